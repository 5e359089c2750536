//! The languages the service's pages and mail can speak, of which a policy names the
//! ones its CA offers, its default first (`repository.languages`).

/// A language the server has message catalogues for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// Japanese.
    Ja,
    /// English.
    En,
}

names!(Language { Ja = "ja", En = "en" });
