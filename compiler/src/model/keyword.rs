//! Closed sets of policy keywords (`rsa`, `keyCertSign`, ...): the [`Keyword`] trait
//! and the `keywords!` macro that declares an enum of them with its spellings.

use crate::lang::dn::StringType;

/// A closed set of policy keywords (`rsa`, `keyCertSign`, ...).
pub trait Keyword: Sized + Copy + 'static {
    /// Reads the policy spelling.
    fn parse_keyword(s: &str) -> Option<Self>;
    /// Every spelling, for "expected one of" messages.
    fn all_keywords() -> Vec<&'static str>;
}

impl Keyword for StringType {
    fn parse_keyword(s: &str) -> Option<Self> {
        Self::from_keyword(s)
    }
    fn all_keywords() -> Vec<&'static str> {
        vec!["printable", "utf8", "ia5"]
    }
}

/// The closed sets `inkan-policy-types` declares for the runtime, each with `ALL`,
/// `name` and `from_name`.
macro_rules! runtime_keywords {
    ($($t:ty),+ $(,)?) => {$(
        impl Keyword for $t {
            fn parse_keyword(s: &str) -> Option<Self> {
                <$t>::from_name(s)
            }
            fn all_keywords() -> Vec<&'static str> {
                <$t>::ALL.iter().map(|v| v.name()).collect()
            }
        }
    )+};
}

runtime_keywords!(
    inkan_policy_types::actions::RaAction,
    inkan_policy_types::business::Weekday,
    inkan_policy_types::language::Language,
    inkan_policy_types::renewal::NoticeDelivery,
    inkan_policy_types::renewal::Recipients,
    inkan_policy_types::workflow::Subject,
    inkan_policy_types::workflow::Effect,
    inkan_policy_types::workflow::Requester,
    inkan_policy_types::eligibility::MayApply,
    inkan_policy_types::eligibility::FormEmail,
    inkan_policy_types::archive::Records,
    inkan_policy_types::forms::FormFor,
    inkan_policy_types::forms::FieldKind,
    inkan_policy_types::lifecycle::Issued,
    inkan_policy_types::lifecycle::Received,
    inkan_policy_types::lifecycle::Modification,
    inkan_policy_types::lifecycle::SubscriberKeys,
    inkan_policy_types::lifecycle::RpCheck,
);

/// Declares a closed set of policy keywords with their spelling.
macro_rules! keywords {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $kw:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $variant),+ }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The policy spelling.
            pub fn keyword(self) -> &'static str { match self { $($name::$variant => $kw),+ } }
            /// Reads the policy spelling.
            pub fn from_keyword(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.keyword() == s) }
            /// Every spelling, for "expected one of" messages.
            pub fn keywords() -> Vec<&'static str> { Self::ALL.iter().map(|v| v.keyword()).collect() }
        }
        impl $crate::model::keyword::Keyword for $name {
            fn parse_keyword(s: &str) -> Option<Self> { Self::from_keyword(s) }
            fn all_keywords() -> Vec<&'static str> { Self::keywords() }
        }
    };
}
