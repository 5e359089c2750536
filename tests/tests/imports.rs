//! House rule: no import circles between the files of a crate.
//!
//! Each file of a crate is a node; an edge goes from a file to every file whose module
//! it names in a path (`use crate::store::Store`, `super::open::Ca`,
//! `crate::calendar::Timestamp::now()`), the path resolved to the longest prefix that
//! is a module with a file of its own. `mod` declarations are not edges; `pub use`
//! re-exports are. A test module inside a file (`#[cfg(test)] mod tests`) is the
//! file's own business and is left out. Any strongly connected set of more than one
//! file fails the test, named file by file, so a newcomer can read the files in an
//! order where each only leans on what came before.
//!
//! Hand-written on purpose: a text scan of paths is enough for this codebase's style
//! (no glob re-exports across files, no `#[path]`), and a full name resolver (such as
//! rust-analyzer's) would be a heavy dependency for one house rule.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use inkan_tests::root;

/// The crates whose files are checked: their `src` directories.
const CRATES: &[&str] = &[
    "compiler/src",
    "policy-types/src",
    "runtime/src",
    "server/src",
    "cli/src",
    "xtask/src",
    "tests/src",
];

/// A crate's files by module path (`["ca", "issue"]`).
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut module: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            // Binaries under src/bin are crates of their own; skip them.
            if module.first().is_some_and(|m| m == "bin") {
                continue;
            }
            out.insert(module, path);
        }
    }
    out
}

/// The file's text without comments, string literals and its test module.
fn code(text: &str) -> String {
    let text = match test_module(text) {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if text[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if text[i..].starts_with("/*") {
            i += text[i..].find("*/").map_or(bytes.len() - i, |e| e + 2);
        } else if text[i..].starts_with("r#\"") || text[i..].starts_with("r\"") {
            let hashes = text[i + 1..].bytes().take_while(|b| *b == b'#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let start = i + 2 + hashes;
            i = text[start..]
                .find(&close)
                .map_or(bytes.len(), |e| start + e + close.len());
        } else if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if bytes[i] == b'\'' && bytes.get(i + 2) == Some(&b'\'') {
            // A char literal such as '"' or '{'.
            i += 3;
        } else {
            out.push(char::from(bytes[i]));
            i += 1;
        }
    }
    out
}

/// Where the file's `#[cfg(test)] mod tests` starts (other attributes may come
/// between the two).
fn test_module(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(j) = text[from..].find("#[cfg(test)]") {
        let start = from + j;
        let mut rest = text[start + "#[cfg(test)]".len()..].trim_start();
        while rest.starts_with("#[") {
            rest = rest[rest.find(']')? + 1..].trim_start();
        }
        if rest.starts_with("mod tests") {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

/// Expands a use tree (`crate::{a::{self, B}, c::D}`) into its paths.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &base, out);
    } else if !tree.is_empty() {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        let path = path.strip_suffix("::self").unwrap_or(path);
        if path != "self" {
            out.push(join(prefix, path));
        } else {
            out.push(prefix.to_string());
        }
    }
}

fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}::{rest}"),
    }
}

/// Every `crate::`, `super::` and `self::` path the code names.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Use statements, whose trees may span lines and braces.
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        let after = &rest[i + 4..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = after.find(';').unwrap_or(after.len());
        let tree: String = after[..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if ["crate::", "super::", "self::"]
            .iter()
            .any(|r| tree.starts_with(r))
        {
            expand(&tree, "", &mut out);
        } else if !tree.starts_with("::") {
            // `use open::Ca` names a child module; an external crate (`use std::fs`)
            // resolves to the file itself and is dropped.
            expand(&tree, "self", &mut out);
        }
    }
    // Paths in expressions and types.
    let bytes = code.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(j) = code[from..].find(root) {
            let start = from + j;
            from = start + root.len();
            // `$crate::` in a macro names the crate where the macro is used.
            if start > 0
                && (bytes[start - 1].is_ascii_alphanumeric()
                    || bytes[start - 1] == b'_'
                    || bytes[start - 1] == b'$')
            {
                continue;
            }
            let len = code[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - start);
            out.push(code[start..start + len].trim_end_matches(':').to_string());
        }
    }
    out
}

/// The file a path leads to, from the module `here`.
fn resolve(path: &str, here: &[String], files: &BTreeMap<Vec<String>, PathBuf>) -> Option<PathBuf> {
    let mut parts = path.split("::");
    let mut module: Vec<String> = match parts.next()? {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => here[..here.len().checked_sub(1)?].to_vec(),
        _ => return None,
    };
    let mut rest: Vec<&str> = parts.collect();
    while rest.first() == Some(&"super") {
        module.pop();
        rest.remove(0);
    }
    let mut best = files.get(&module).cloned();
    for part in rest {
        module.push(part.to_string());
        match files.get(&module) {
            Some(f) => best = Some(f.clone()),
            None => break,
        }
    }
    best
}

/// Strongly connected sets of more than one file (Tarjan).
fn circles(edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on_stack: BTreeSet<&'a PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a PathBuf) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.edges.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut set = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    set.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if set.len() > 1 {
                    set.sort();
                    self.found.push(set);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

/// The file graph of one crate.
fn graph(src: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let files = modules(src);
    let mut edges = BTreeMap::new();
    for (module, file) in &files {
        let text = code(&std::fs::read_to_string(file).unwrap());
        let targets: BTreeSet<PathBuf> = paths(&text)
            .iter()
            .filter_map(|p| resolve(p, module, &files))
            .filter(|t| t != file)
            .collect();
        edges.insert(file.clone(), targets);
    }
    edges
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let root = root();
    let mut found = Vec::new();
    for src in CRATES {
        let dir = root.join(src);
        if !dir.exists() {
            continue;
        }
        for set in circles(&graph(&dir)) {
            let names: Vec<String> = set
                .iter()
                .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
                .collect();
            found.push(names.join(" <-> "));
        }
    }
    assert!(
        found.is_empty(),
        "import circles between files (move what both need into a file below them):\n  {}",
        found.join("\n  ")
    );
}

/// The checker itself finds a circle it is shown, and none where there is none.
#[test]
fn the_checker_sees_a_circle_and_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("ca")).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "//! Root.\npub mod ca;\npub mod store;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("ca/mod.rs"),
        "//! Facade.\nmod open;\nmod issue;\npub use open::Ca;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("ca/open.rs"),
        "//! Open.\nuse crate::store::Store;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("ca/issue.rs"),
        "//! Issue.\nuse super::open::Ca;\nfn f() { let s = \"crate::ca\"; }\n",
    )
    .unwrap();
    std::fs::write(src.join("store.rs"), "//! Store.\n// crate::ca::Ca\n").unwrap();
    assert!(circles(&graph(src)).is_empty(), "{:?}", graph(src));
    std::fs::write(
        src.join("store.rs"),
        "//! Store.\nuse crate::{audit, ca::{self, Ca}};\n",
    )
    .unwrap();
    let found = circles(&graph(src));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].len(), 3, "{found:?}");
}
