//! Many rows in one statement: `INSERT .. VALUES (..), (..)` for a batch, so that a
//! batch of certificates or audit entries costs PostgreSQL a few round trips rather
//! than one per row (on SQLite, in-process, it saves the per-statement work).
//!
//! How a batch is cut depends on the database ([`Tx::row_chunks`], [`Db::row_chunks`]).
//! On SQLite, in statements of a power of two rows, at most [`MAX_ROWS`], largest
//! first: whatever the batch sizes, a connection prepares at most seven texts per
//! statement, which keeps SQLite's bounded cache of prepared statements from being
//! flushed by texts used once. On PostgreSQL each statement is a round trip (about
//! 0.12 ms on loopback TLS here, idle), so a batch goes in as few statements as
//! [`MAX_ROWS`] allows, each of its exact length: a batch of 30 is one statement, not
//! four, and a connection keeps the texts of every length it met (at most 64 per
//! statement, prepared once each).

use std::ops::Range;

use super::db::{Db, Tx};
use super::error::SqlError;
use super::value::Param;

/// The most rows one statement carries (at most 10 columns here: 640 parameters, far
/// under both databases' limits).
pub const MAX_ROWS: usize = 64;

/// The row ranges of a batch of `n`, one per statement: each a power of two long, at
/// most [`MAX_ROWS`], largest first (SQLite's cut; see the module's note).
pub fn row_chunks(n: usize) -> RowChunks {
    cut(n, false)
}

/// The row ranges of a batch of `n`: exact lengths (PostgreSQL) or powers of two.
fn cut(n: usize, exact: bool) -> RowChunks {
    RowChunks { n, start: 0, exact }
}

/// The row ranges of a batch, one per statement ([`row_chunks`], [`Tx::row_chunks`]).
#[derive(Debug, Clone)]
pub struct RowChunks {
    n: usize,
    start: usize,
    /// Each chunk as long as it can be (PostgreSQL), not a power of two.
    exact: bool,
}

impl Iterator for RowChunks {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let left = self.n - self.start;
        if left == 0 {
            return None;
        }
        let len = if left >= MAX_ROWS {
            MAX_ROWS
        } else if self.exact {
            left
        } else {
            1 << left.ilog2()
        };
        let range = self.start..self.start + len;
        self.start += len;
        Some(range)
    }
}

impl Db {
    /// The row ranges of a batch of `n`, one per statement, as this database is best
    /// given them (the module's note).
    pub fn row_chunks(&self, n: usize) -> RowChunks {
        cut(n, self.location().is_postgres())
    }
}

/// `head VALUES (?1, ?2), (?3, ?4) tail`: `rows` rows of `columns` placeholders,
/// numbered from 1 in row order, after `head` (`INSERT INTO t (a, b)`).
pub fn values_text(head: &str, columns: usize, rows: usize, tail: &str) -> String {
    let mut text = String::with_capacity(head.len() + tail.len() + rows * columns * 6 + 8);
    text.push_str(head);
    text.push_str(" VALUES ");
    for r in 0..rows {
        if r > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for c in 0..columns {
            if c > 0 {
                text.push_str(", ");
            }
            text.push_str(&format!("?{}", r * columns + c + 1));
        }
        text.push(')');
    }
    text.push_str(tail);
    text
}

/// `(?4, ?5, ?6)`: `count` placeholders numbered from `first`, for `IN`.
pub fn placeholders(first: usize, count: usize) -> String {
    let list: Vec<String> = (first..first + count).map(|n| format!("?{n}")).collect();
    format!("({})", list.join(", "))
}

/// The type of a value in a [`Tx::keyed_update_text`], which PostgreSQL cannot infer
/// from a `CASE`.
#[derive(Debug, Clone, Copy)]
pub enum Cast {
    /// A 64-bit integer.
    Int,
    /// Text.
    Text,
    /// Bytes.
    Blob,
}

impl Tx<'_> {
    /// [`Db::row_chunks`] for this transaction's database.
    pub fn row_chunks(&self, n: usize) -> RowChunks {
        cut(n, self.sqlite().is_none())
    }

    /// `key IN (..)` over `count` keys numbered from `first`, for an `UPDATE` of
    /// `table` that may change several rows at once. On PostgreSQL the list is a
    /// sub-select that locks those rows in the key's order, each before the update
    /// touches it (the update's own plan may visit them in any order), so two transactions
    /// updating overlapping rows wait for each other instead of deadlocking; one
    /// statement, where a separate lock was a round trip more. SQLite's write
    /// transactions are already serial. `table` and `key` are the caller's own names,
    /// never input.
    pub fn in_locked_order(&self, table: &str, key: &str, first: usize, count: usize) -> String {
        let list = placeholders(first, count);
        if self.sqlite().is_some() {
            return format!("{key} IN {list}");
        }
        format!(
            "{key} IN (SELECT {key} FROM {table} WHERE {key} IN {list} ORDER BY {key} FOR UPDATE)"
        )
    }

    /// An `UPDATE` of many rows, each found by its key and given its own values:
    /// `{head} a = CASE key WHEN ?1 THEN CAST(?2 AS ..) WHEN ?4 .. END, b = .. WHERE key
    /// IN (?1, ?4, ..){tail}`. The parameters are each row's key and then its values,
    /// row after row. The `IN` list finds the rows through the key's index whatever
    /// the table's size; a join against `(VALUES ..)` did not: PostgreSQL planned it as
    /// a scan of the whole table for four rows or more (over a millisecond a batch at
    /// two thousand certificates, and growing with them). Each value is cast to its
    /// column's type by this database's name for it (`BYTEA` on PostgreSQL is `BLOB` on
    /// SQLite, where a cast to an unknown name would turn bytes into a number).
    pub fn keyed_update_text(
        &self,
        head: &str,
        key: &str,
        columns: &[(&str, Cast)],
        rows: usize,
        tail: &str,
    ) -> String {
        keyed_update(self.sqlite().is_some(), head, key, columns, rows, tail)
    }

    /// Inserts rows of `columns` values each, `params` holding them row after row, a
    /// statement per chunk of [`Tx::row_chunks`], then runs `then` (its text made from
    /// the number of its first placeholder) with `then_params`. `head` is
    /// `INSERT INTO t (a, b)`. On PostgreSQL `then` goes in the last chunk's statement
    /// (`WITH inserted AS (INSERT ..) <then>`): a round trip less.
    pub fn insert_rows_then(
        &mut self,
        head: &str,
        columns: usize,
        params: &[Param<'_>],
        then: &dyn Fn(usize) -> String,
        then_params: &[Param<'_>],
    ) -> Result<(), SqlError> {
        if columns == 0 || !params.len().is_multiple_of(columns) {
            return Err(SqlError::usage("a row's values do not fill its columns"));
        }
        let together = self.sqlite().is_none();
        let mut chunks = self.row_chunks(params.len() / columns).peekable();
        while let Some(rows) = chunks.next() {
            let values = values_text(head, columns, rows.len(), "");
            let chunk = &params[rows.start * columns..rows.end * columns];
            if together && chunks.peek().is_none() {
                let text = format!("WITH inserted AS ({values}) {}", then(chunk.len() + 1));
                let all: Vec<Param<'_>> = chunk.iter().chain(then_params).copied().collect();
                self.execute(&text, &all)?;
                return Ok(());
            }
            self.execute(&values, chunk)?;
        }
        self.execute(&then(1), then_params)?;
        Ok(())
    }
}

fn keyed_update(
    sqlite: bool,
    head: &str,
    key: &str,
    columns: &[(&str, Cast)],
    rows: usize,
    tail: &str,
) -> String {
    let width = columns.len() + 1;
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(c, (name, cast))| {
            let ty = match (cast, sqlite) {
                (Cast::Int, true) => "INTEGER",
                (Cast::Int, false) => "BIGINT",
                (Cast::Text, _) => "TEXT",
                (Cast::Blob, true) => "BLOB",
                (Cast::Blob, false) => "BYTEA",
            };
            let arms: String = (0..rows)
                .map(|r| {
                    let k = r * width + 1;
                    format!(" WHEN ?{k} THEN CAST(?{} AS {ty})", k + c + 1)
                })
                .collect();
            format!("{name} = CASE {key}{arms} END")
        })
        .collect();
    let keys: Vec<String> = (0..rows).map(|r| format!("?{}", r * width + 1)).collect();
    format!(
        "{head} {} WHERE {key} IN ({}){tail}",
        sets.join(", "),
        keys.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_cut_into_powers_of_two_that_cover_it_once() {
        for n in 0..300 {
            let chunks: Vec<_> = row_chunks(n).collect();
            let mut next = 0;
            for c in &chunks {
                assert_eq!(c.start, next, "batch of {n}: {chunks:?}");
                assert!(
                    c.len().is_power_of_two() && c.len() <= MAX_ROWS,
                    "{chunks:?}"
                );
                next = c.end;
            }
            assert_eq!(next, n, "batch of {n}: {chunks:?}");
        }
        let sizes: Vec<usize> = row_chunks(30).map(|c| c.len()).collect();
        assert_eq!(sizes, [16, 8, 4, 2]);
        let sizes: Vec<usize> = row_chunks(130).map(|c| c.len()).collect();
        assert_eq!(sizes, [64, 64, 2]);
    }

    #[test]
    fn postgres_takes_a_batch_in_as_few_statements_as_the_cap_allows() {
        let exact = |n| cut(n, true);
        let sizes: Vec<usize> = exact(30).map(|c| c.len()).collect();
        assert_eq!(sizes, [30]);
        let ranges: Vec<Range<usize>> = exact(130).collect();
        assert_eq!(ranges, [0..64, 64..128, 128..130]);
        assert_eq!(exact(0).count(), 0);
    }

    #[test]
    fn placeholders_are_numbered_in_row_order() {
        assert_eq!(
            values_text("INSERT INTO t (a, b)", 2, 2, " ON CONFLICT DO NOTHING"),
            "INSERT INTO t (a, b) VALUES (?1, ?2), (?3, ?4) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            values_text("INSERT INTO t (a)", 1, 1, ""),
            "INSERT INTO t (a) VALUES (?1)"
        );
        assert_eq!(placeholders(4, 3), "(?4, ?5, ?6)");
    }

    #[test]
    fn a_keyed_update_gives_each_key_its_own_values() {
        let text = keyed_update(
            true,
            "UPDATE t SET",
            "id",
            &[("a", Cast::Text), ("b", Cast::Blob)],
            2,
            " AND b IS NULL",
        );
        assert_eq!(
            text,
            "UPDATE t SET a = CASE id WHEN ?1 THEN CAST(?2 AS TEXT) WHEN ?4 THEN CAST(?5 AS TEXT) END, \
             b = CASE id WHEN ?1 THEN CAST(?3 AS BLOB) WHEN ?4 THEN CAST(?6 AS BLOB) END \
             WHERE id IN (?1, ?4) AND b IS NULL"
        );
        assert!(
            keyed_update(false, "UPDATE t SET", "id", &[("b", Cast::Blob)], 1, "")
                .contains("AS BYTEA")
        );
    }
}
