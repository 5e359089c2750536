//! The words of the service's pages and mail, in each language the policy offers: the
//! Fluent catalogues in `server/i18n/<language>/*.ftl` (built into the binary), read
//! with fluent-bundle. Handlers and mail never hold a sentence; they name a message.
//!
//! A message is plain text. Where a page needs markup inside a sentence (a link, a
//! serial in `<code>`), [`Tr::html`] escapes the message and puts the caller's HTML
//! where its `{ $name }` placeholders stand, so the word order stays the catalogue's.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use inkan_runtime::language::Language;

use crate::ra::RaError;

/// One catalogue file: its language, its name, its text.
macro_rules! ftl {
    ($lang:ident, $dir:literal, $file:literal) => {
        (
            Language::$lang,
            $file,
            include_str!(concat!("../i18n/", $dir, "/", $file)),
        )
    };
}

/// The catalogue files, by language: (language, file name, text).
const FILES: &[(Language, &str, &str)] = &[
    ftl!(En, "en", "common.ftl"),
    ftl!(En, "en", "repository.ftl"),
    ftl!(En, "en", "portal.ftl"),
    ftl!(En, "en", "mail.ftl"),
    ftl!(En, "en", "console.ftl"),
    ftl!(En, "en", "actions.ftl"),
    ftl!(Ja, "ja", "common.ftl"),
    ftl!(Ja, "ja", "repository.ftl"),
    ftl!(Ja, "ja", "portal.ftl"),
    ftl!(Ja, "ja", "mail.ftl"),
    ftl!(Ja, "ja", "console.ftl"),
    ftl!(Ja, "ja", "actions.ftl"),
];

/// What a page shows where a message is missing: never seen in a page a test reads.
pub const MISSING: &str = "\u{27ea}missing:";

/// A private-use character that brackets a placeholder in [`Tr::html`].
const MARK: char = '\u{e000}';

/// The catalogues, read once.
static CATALOGUES: std::sync::OnceLock<Catalogues> = std::sync::OnceLock::new();

/// Reads the catalogues now, so that a server whose catalogues are broken refuses to
/// start rather than showing pages with holes.
pub fn ready() -> Result<(), RaError> {
    if CATALOGUES.get().is_none() {
        let _ = CATALOGUES.set(Catalogues::load()?);
    }
    Ok(())
}

/// The catalogues ([`ready`] has read them at start-up; if it has not, and they do not
/// load, every message shows as missing and the failure is logged).
pub fn catalogues() -> &'static Catalogues {
    CATALOGUES.get_or_init(|| {
        Catalogues::load().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the message catalogues did not load");
            Catalogues {
                bundles: Vec::new(),
            }
        })
    })
}

/// The languages a policy offers, its default first; English when it names none.
pub fn offered(policy: &dyn inkan_runtime::policy::Policy) -> &'static [Language] {
    match policy.definition().languages {
        [] => &[Language::En],
        some => some,
    }
}

/// Message `id` in each of `languages`, in order, joined by `between`: mail whose
/// reader's language the RA does not know speaks all of the policy's.
pub fn in_each(languages: &[Language], id: &str, args: &[(&str, &str)], between: &str) -> String {
    languages
        .iter()
        .map(|l| catalogues().tr(*l).t_with(id, args))
        .collect::<Vec<_>>()
        .join(between)
}

/// Every language's messages.
pub struct Catalogues {
    bundles: Vec<(Language, FluentBundle<FluentResource>)>,
}

impl std::fmt::Debug for Catalogues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.bundles.iter().map(|(l, _)| l))
            .finish()
    }
}

impl Catalogues {
    /// Reads every catalogue; a file that does not parse, or a message defined twice,
    /// is an error naming the file.
    pub fn load() -> Result<Self, RaError> {
        let mut bundles: Vec<(Language, FluentBundle<FluentResource>)> = Vec::new();
        for &(lang, name, text) in FILES {
            let resource = FluentResource::try_new(text.to_string()).map_err(|(_, e)| {
                RaError::internal(format!("catalogue {}/{name}: {e:?}", lang.name()))
            })?;
            let i = match bundles.iter().position(|(l, _)| *l == lang) {
                Some(i) => i,
                None => {
                    let id = lang
                        .name()
                        .parse()
                        .map_err(|e| RaError::internal(format!("language tag: {e}")))?;
                    let mut bundle = FluentBundle::new_concurrent(vec![id]);
                    // No Unicode isolation marks around placeables: the pages say
                    // `lang` and the values are serials, names and links.
                    bundle.set_use_isolating(false);
                    bundles.push((lang, bundle));
                    bundles.len() - 1
                }
            };
            bundles[i].1.add_resource(resource).map_err(|e| {
                RaError::internal(format!("catalogue {}/{name}: {e:?}", lang.name()))
            })?;
        }
        Ok(Catalogues { bundles })
    }

    /// The messages of `lang`.
    pub fn tr(&self, lang: Language) -> Tr<'_> {
        let bundle = self
            .bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .or(self.bundles.first())
            .map(|(_, b)| b);
        Tr { lang, bundle }
    }

    /// The ids of every message of `lang`, sorted (for the catalogue tests).
    #[cfg(test)]
    fn ids(&self, lang: Language) -> Vec<String> {
        let mut ids: Vec<String> = FILES
            .iter()
            .filter(|(l, _, _)| *l == lang)
            .filter_map(|(_, _, text)| FluentResource::try_new(text.to_string()).ok())
            .flat_map(|r| {
                r.entries()
                    .filter_map(|e| match e {
                        fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        ids.sort();
        ids
    }
}

/// One language's messages.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    lang: Language,
    bundle: Option<&'a FluentBundle<FluentResource>>,
}

impl Tr<'_> {
    /// The language.
    pub fn lang(&self) -> Language {
        self.lang
    }

    /// Message `id` as plain text, its `{ $name }` placeables filled from `args`.
    pub fn t_with(&self, id: &str, args: &[(&str, &str)]) -> String {
        let Some(message) = self
            .bundle
            .and_then(|b| b.get_message(id).map(|m| (b, m)))
            .and_then(|(b, m)| m.value().map(|p| (b, p)))
        else {
            tracing::warn!(
                id,
                lang = self.lang.name(),
                "a message is missing from the catalogue"
            );
            return format!("{MISSING}{id}\u{27eb}");
        };
        let (bundle, pattern) = message;
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, *v);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fa), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(id, lang = self.lang.name(), errors = ?errors, "a message did not format");
        }
        text.into_owned()
    }

    /// Message `id` as plain text.
    pub fn t(&self, id: &str) -> String {
        self.t_with(id, &[])
    }

    /// Message `id` as HTML: its text escaped, each placeholder `{ $name }` replaced by
    /// the HTML `html` gives for it (the caller escapes what it puts there).
    pub fn html(&self, id: &str, html: &[(&str, &str)]) -> String {
        let marks: Vec<String> = (0..html.len())
            .map(|i| format!("{MARK}{i}{MARK}"))
            .collect();
        let args: Vec<(&str, &str)> = html
            .iter()
            .zip(&marks)
            .map(|((k, _), m)| (*k, m.as_str()))
            .collect();
        let mut out = escape(&self.t_with(id, &args));
        for ((_, fragment), mark) in html.iter().zip(&marks) {
            out = out.replace(mark.as_str(), fragment);
        }
        out
    }
}

/// HTML-escapes text.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Every message exists in every language: a page never falls back in silence.
    #[test]
    fn every_language_has_every_message() {
        let c = Catalogues::load().unwrap();
        let en = c.ids(Language::En);
        assert!(en.len() > 20, "{en:?}");
        for lang in Language::ALL {
            assert_eq!(c.ids(*lang), en, "{}", lang.name());
            for id in &en {
                assert!(!c.tr(*lang).t(id).contains(MISSING), "{id}");
            }
        }
    }

    /// The console names every action a policy can give a role, in every language.
    #[test]
    fn every_ra_action_has_a_name_in_every_language() {
        let c = Catalogues::load().unwrap();
        for lang in Language::ALL {
            for a in inkan_runtime::actions::RaAction::ALL {
                let id = format!("action-{}", a.name());
                assert!(!c.tr(*lang).t(&id).contains(MISSING), "{id}");
            }
        }
    }

    /// A refusal of any kind of field the policy language has reads in every language.
    #[test]
    fn every_kind_of_field_has_its_refusal_in_every_language() {
        let c = Catalogues::load().unwrap();
        for lang in Language::ALL {
            for k in inkan_runtime::forms::FieldKind::ALL {
                let id = format!("form-invalid-{}", k.name());
                assert!(!c.tr(*lang).t(&id).contains(MISSING), "{id}");
            }
        }
    }

    #[test]
    fn html_escapes_the_message_and_keeps_the_fragments() {
        let c = Catalogues::load().unwrap();
        let ja = c.tr(Language::Ja);
        let html = ja.html("home-enroll", &[("link", "<a href=\"/enroll\">x</a>")]);
        assert!(html.starts_with("申請責任者から"), "{html}");
        assert!(html.contains("<a href=\"/enroll\">x</a>"), "{html}");
        let en = c.tr(Language::En);
        assert_eq!(
            en.html("enrolled-issued", &[("subject", "<b>"), ("serial", "1")]),
            "Issued to <b>, serial 1."
        );
        assert!(en.t("no-such-message").starts_with(MISSING));
    }
}
