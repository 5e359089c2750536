//! A database's tables as data, for backups and restores: which tables there are,
//! their columns, the order their foreign keys need them loaded in, rows written back
//! as they were read, and PostgreSQL's identity counters moved past what was loaded.
//! Store-neutral: what is read from SQLite loads into PostgreSQL and back.
//!
//! Table and column names are put into SQL text here (no database binds identifiers),
//! so every name is checked to be a plain identifier first, and a restore takes its
//! names from the schema it made, never from the file it reads.

use super::db::Tx;
use super::error::SqlError;
use super::value::{Param, Value};
use crate::args;

/// Whether `name` is a plain lower-case SQL identifier, safe to put into a statement.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

fn checked(name: &str) -> Result<&str, SqlError> {
    if is_identifier(name) {
        Ok(name)
    } else {
        Err(SqlError::Corrupt(format!(
            "`{name}` is not a table or column name"
        )))
    }
}

impl Tx<'_> {
    /// The tables of the schema, by name.
    pub fn tables(&mut self) -> Result<Vec<String>, SqlError> {
        let sql = if self.sqlite().is_some() {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        } else {
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        };
        self.query(sql, &[])?
            .iter()
            .map(|r| r.get::<String>(0))
            .collect()
    }

    /// The columns of `table`, in their order.
    pub fn columns(&mut self, table: &str) -> Result<Vec<String>, SqlError> {
        let sql = if self.sqlite().is_some() {
            "SELECT name FROM pragma_table_info(?1) ORDER BY cid"
        } else {
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
        };
        self.query(sql, args![checked(table)?])?
            .iter()
            .map(|r| r.get::<String>(0))
            .collect()
    }

    /// The tables `table`'s foreign keys point at.
    pub fn references(&mut self, table: &str) -> Result<Vec<String>, SqlError> {
        let sql = if self.sqlite().is_some() {
            "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)"
        } else {
            "SELECT DISTINCT ccu.table_name::text
             FROM information_schema.table_constraints tc
             JOIN information_schema.constraint_column_usage ccu
               ON tc.constraint_name = ccu.constraint_name AND tc.table_schema = ccu.table_schema
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()
               AND tc.table_name = ?1"
        };
        self.query(sql, args![checked(table)?])?
            .iter()
            .map(|r| r.get::<String>(0))
            .collect()
    }

    /// Every table in an order where each comes after those its foreign keys point at.
    pub fn load_order(&mut self) -> Result<Vec<String>, SqlError> {
        let tables = self.tables()?;
        let mut refs = Vec::new();
        for t in &tables {
            let r = self.references(t)?;
            refs.push((t.clone(), r));
        }
        let mut order: Vec<String> = Vec::new();
        while order.len() < tables.len() {
            let before = order.len();
            for (t, r) in &refs {
                if !order.contains(t) && r.iter().all(|d| d == t || order.contains(d)) {
                    order.push(t.clone());
                }
            }
            if order.len() == before {
                return Err(SqlError::Corrupt(
                    "the schema's foreign keys go round in a circle".into(),
                ));
            }
        }
        Ok(order)
    }

    /// Streams every row of `table` (its `columns`, in that order) to `each`.
    pub fn each_row<E: From<SqlError>>(
        &mut self,
        table: &str,
        columns: &[String],
        each: &mut dyn FnMut(Vec<Value>) -> Result<(), E>,
    ) -> Result<(), E> {
        let cols = columns
            .iter()
            .map(|c| checked(c))
            .collect::<Result<Vec<_>, _>>()?;
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            cols.join(", "),
            checked(table)?,
            // Every column: rows come out in one order whichever database holds them.
            (1..=cols.len())
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.each(&sql, &[], &mut |row| each(row.into_values()))
    }

    /// Inserts one row into `table`.
    pub fn insert_row(
        &mut self,
        table: &str,
        columns: &[String],
        values: &[Value],
    ) -> Result<(), SqlError> {
        if columns.len() != values.len() {
            return Err(SqlError::Corrupt(format!(
                "a row of `{table}` has {} values for {} columns",
                values.len(),
                columns.len()
            )));
        }
        let cols = columns
            .iter()
            .map(|c| checked(c))
            .collect::<Result<Vec<_>, _>>()?;
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            checked(table)?,
            cols.join(", "),
            (1..=cols.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let params: Vec<Param<'_>> = values.iter().map(Param::from).collect();
        self.execute(&sql, &params)?;
        Ok(())
    }

    /// Moves each PostgreSQL identity column's counter past the highest value loaded,
    /// so the next row gets a fresh id. (SQLite takes the next rowid by itself.)
    pub fn reset_identities(&mut self) -> Result<(), SqlError> {
        if self.sqlite().is_some() {
            return Ok(());
        }
        let identities = self.query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
            &[],
        )?;
        for row in identities {
            let table: String = row.get(0)?;
            let column: String = row.get(1)?;
            let (table, column) = (checked(&table)?, checked(&column)?);
            self.query(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                            COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
                ),
                &[],
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::is_identifier;

    #[test]
    fn only_plain_identifiers_reach_sql_text() {
        for good in ["certificates", "ra_staff", "_x", "t2"] {
            assert!(is_identifier(good), "{good}");
        }
        for bad in [
            "",
            "2t",
            "Certificates",
            "a b",
            "a;drop",
            "a\"",
            "a-b",
            &"x".repeat(64),
        ] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }
}
