//! The JSON Schema of the policy language, generated from the compiler's own serde
//! types (`syntax`), so that yaml-language-server completes and checks a policy as its
//! author types. Keyword fields list their allowed values from the model; the schema
//! is written to `docs/policy.schema.json` with the generated code and kept current by
//! the same staleness check.

use std::borrow::Cow;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::model::Keyword;

/// A string that must be one of `T`'s keywords.
pub struct Kw<T>(PhantomData<T>);

impl<T: Keyword> JsonSchema for Kw<T> {
    fn schema_name() -> Cow<'static, str> {
        std::any::type_name::<T>()
            .rsplit("::")
            .next()
            .unwrap_or("Keyword")
            .to_string()
            .into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "enum": T::all_keywords() })
    }
}

/// The name of a lint (for waivers).
pub struct LintName;

impl JsonSchema for LintName {
    fn schema_name() -> Cow<'static, str> {
        "LintName".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = crate::lints::LINTS.iter().map(|l| l.name).collect();
        json_schema!({ "type": "string", "enum": names, "description": "A lint the compiler reports; waive it only with a reason an auditor can read." })
    }
}

/// The name of a rule catalogue.
pub struct CatalogueName;

impl JsonSchema for CatalogueName {
    fn schema_name() -> Cow<'static, str> {
        "CatalogueName".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "enum": crate::catalogue::names() })
    }
}

/// A CPS rule ID of the built-in catalogues.
pub struct RuleId;

impl JsonSchema for RuleId {
    fn schema_name() -> Cow<'static, str> {
        "RuleId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut ids: Vec<&str> = crate::catalogue::names()
            .into_iter()
            .flat_map(|n| crate::catalogue::rules(n).unwrap_or_default())
            .map(|r| r.id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        json_schema!({ "type": "string", "enum": ids })
    }
}

/// The schema document.
pub fn document() -> serde_json::Value {
    let mut schema = schemars::schema_for!(crate::syntax::RawPolicy);
    schema.insert("title".into(), "inkan policy".into());
    schema.insert(
        "description".into(),
        "A CPS as an inkan policy: see docs/policy-reference.md.".into(),
    );
    schema.to_value()
}
