//! The shape of a rendered CPS section: captioned tables of strings, and the helpers
//! every section builder uses to make them.

use serde::Serialize;

/// A table: a caption, column titles, rows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Table {
    /// Caption.
    pub caption: String,
    /// Column titles.
    pub columns: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// A section: an RFC 3647 number, a title, an introduction and tables.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// `7.1`.
    pub number: String,
    /// Title.
    pub title: String,
    /// A sentence or two.
    pub intro: String,
    /// Tables.
    pub tables: Vec<Table>,
}

pub(super) fn t(caption: &str, columns: &[&str], rows: Vec<Vec<String>>) -> Table {
    Table {
        caption: caption.into(),
        columns: columns.iter().map(|c| (*c).to_string()).collect(),
        rows,
    }
}

pub(super) fn cites(c: &[String]) -> String {
    c.join(", ")
}

pub(super) fn pick(cites: &[String], hint: &str) -> Vec<String> {
    cites.iter().filter(|c| c.contains(hint)).cloned().collect()
}
