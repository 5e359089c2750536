//! The one marker that says a test proves a rule: a line of the test function's own doc
//! comment, of the fixed shape
//!
//! ```text
//! /// Proves: R-4.9-WHO, R-5.2-RA-ROLES.
//! ```
//!
//! directly above the function (among its other doc lines and attributes). Nothing
//! else counts: not a comment, not a string, not the function's name, not a doc line
//! of another shape. A test path the harness lists (`ca::issue::tests::name`) is
//! followed from its target's root file through `mod` declarations (files, `#[path]`
//! files and inline modules) to the file that defines the function.

use std::path::{Path, PathBuf};

/// The marker's prefix, after the doc comment's `///`.
pub const PREFIX: &str = "Proves:";

/// The rule IDs of every marker line in `doc` (the lines above a function).
pub fn rules_in(doc: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for line in doc {
        let Some(text) = line.trim().strip_prefix("///") else {
            continue;
        };
        let Some(list) = text.trim().strip_prefix(PREFIX) else {
            continue;
        };
        for id in list.split(',') {
            let id = id.trim().trim_end_matches('.');
            if !id.is_empty() {
                out.push(id.to_string());
            }
        }
    }
    out
}

/// The doc lines and attributes directly above the line that declares `fn name`, in
/// `text`; `None` if the file declares no such function.
pub fn doc_of<'t>(text: &'t str, name: &str) -> Option<Vec<&'t str>> {
    let lines: Vec<&str> = text.lines().collect();
    let declares = |l: &str| {
        let l = l.trim_start();
        let l = l.strip_prefix("pub ").unwrap_or(l);
        let l = l.strip_prefix("async ").unwrap_or(l);
        l.strip_prefix("fn ").is_some_and(|rest| {
            rest.starts_with(name) && rest[name.len()..].starts_with(['(', '<'])
        })
    };
    let at = lines.iter().position(|l| declares(l))?;
    let mut doc = Vec::new();
    for l in lines[..at].iter().rev() {
        let t = l.trim_start();
        if t.starts_with("///") || t.starts_with("#[") || t.starts_with("//") {
            doc.push(*l);
        } else if t.is_empty() || t.ends_with(")]") || t.ends_with(',') || t.ends_with('(') {
            // A blank line ends the block; so does anything but an attribute's tail.
            if t.is_empty() {
                break;
            }
            doc.push(*l);
        } else {
            break;
        }
    }
    doc.reverse();
    Some(doc)
}

/// Where the test at `path` (relative to the target's root file `root_file`) is
/// defined: the file, and the function's name.
pub fn locate(repo: &Path, root_file: &Path, path: &str) -> Option<(PathBuf, String)> {
    let segments: Vec<&str> = path.split("::").collect();
    let (name, modules) = segments.split_last()?;
    let mut file = repo.join(root_file);
    let mut children = file.parent()?.to_path_buf();
    for module in modules {
        let text = std::fs::read_to_string(&file).ok()?;
        if declares_inline(&text, module) {
            // Inline module: the function is in this same file.
            continue;
        }
        let next = match path_attribute(&text, module) {
            Some(p) => file.parent()?.join(p),
            None => {
                let flat = children.join(format!("{module}.rs"));
                if flat.exists() {
                    flat
                } else {
                    children.join(module).join("mod.rs")
                }
            }
        };
        children = if next.file_name().is_some_and(|n| n == "mod.rs") {
            next.parent()?.to_path_buf()
        } else {
            next.with_extension("")
        };
        file = next;
    }
    Some((file, (*name).to_string()))
}

/// Whether `text` declares `mod module { ... }` inline.
fn declares_inline(text: &str, module: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        let l = l.strip_prefix("pub ").unwrap_or(l);
        l.strip_prefix("mod ")
            .and_then(|r| r.strip_prefix(module))
            .is_some_and(|r| r.trim_start().starts_with('{'))
    })
}

/// The `#[path = "..."]` of `mod module;` in `text`, if it has one.
fn path_attribute(text: &str, module: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| {
        let l = l.trim_start();
        l.strip_prefix("mod ")
            .and_then(|r| r.strip_prefix(module))
            .is_some_and(|r| r.trim_start().starts_with(';'))
    })?;
    let above = lines.get(at.checked_sub(1)?)?.trim();
    let value = above.strip_prefix("#[path = \"")?.strip_suffix("\"]")?;
    Some(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fixed_shape_marks_a_test() {
        let text = "\
// Proves: R-1.1-NOT-A-DOC-LINE
/// Checks R-2.2-MENTIONED only in passing.
/// Proves: R-4.9-WHO, R-5.2-RA-ROLES.
#[tokio::test(flavor = \"multi_thread\")]
async fn r_3_3_named_after_something_else() {
    let s = \"/// Proves: R-6.6-IN-A-STRING\";
}
";
        let doc = doc_of(text, "r_3_3_named_after_something_else").unwrap();
        assert_eq!(rules_in(&doc), ["R-4.9-WHO", "R-5.2-RA-ROLES"]);
        assert!(doc_of(text, "r_3_3").is_none(), "names match whole");
    }

    #[test]
    fn a_blank_line_ends_the_block() {
        let text = "/// Proves: R-1.2-OID-ORG\n\n#[test]\nfn t() {}\n";
        assert!(rules_in(&doc_of(text, "t").unwrap()).is_empty());
    }
}
