//! Who may apply (R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-EMAIL-MATCH): the classes a
//! product developer is registered in, the kinds of registration and whether each may
//! apply, and whether an application form's e-mail must be the manager's on file. The
//! RA registers developers and receives forms by these tables alone.

/// Whether developers of one registration may apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MayApply {
    /// Always.
    Always,
    /// Only when the CA has separately permitted it (recorded with the developer).
    WithPermission,
    /// Never.
    Never,
}

/// What an application form's e-mail address is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FormEmail {
    /// It must be the applicant manager's address on file (R-3.2-EMAIL-MATCH).
    MustMatchManager,
    /// It is recorded, not checked.
    Recorded,
}

names!(MayApply { Always = "always", WithPermission = "with-permission", Never = "never" });
names!(FormEmail { MustMatchManager = "must-match-manager", Recorded = "recorded" });

/// A class of product developer (`A`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeveloperClass {
    /// Its name, as registered.
    pub name: &'static str,
    /// Who belongs to it.
    pub who: &'static str,
}

/// A kind of registration (`full`, `provisional`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    /// Its name, as registered.
    pub name: &'static str,
    /// Whether its developers may apply.
    pub may_apply: MayApply,
}

/// The policy's eligibility rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eligibility {
    /// The classes, in the policy's order.
    pub classes: &'static [DeveloperClass],
    /// The registrations, in the policy's order.
    pub registrations: &'static [Registration],
    /// What the form's e-mail is checked against.
    pub form_email: FormEmail,
}

impl Eligibility {
    /// The class called `name`.
    pub fn class(&self, name: &str) -> Option<&'static DeveloperClass> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// The registration called `name`.
    pub fn registration(&self, name: &str) -> Option<&'static Registration> {
        self.registrations.iter().find(|r| r.name == name)
    }

    /// Whether a developer of `registration`, `permitted` or not, may apply; `None` for
    /// a registration the policy does not have.
    pub fn may_apply(&self, registration: &str, permitted: bool) -> Option<bool> {
        self.registration(registration).map(|r| match r.may_apply {
            MayApply::Always => true,
            MayApply::WithPermission => permitted,
            MayApply::Never => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static RULES: Eligibility = Eligibility {
        classes: &[DeveloperClass {
            name: "A",
            who: "organisations",
        }],
        registrations: &[
            Registration {
                name: "full",
                may_apply: MayApply::Always,
            },
            Registration {
                name: "provisional",
                may_apply: MayApply::WithPermission,
            },
            Registration {
                name: "suspended",
                may_apply: MayApply::Never,
            },
        ],
        form_email: FormEmail::MustMatchManager,
    };

    #[test]
    fn each_registration_applies_as_the_policy_says() {
        assert_eq!(RULES.may_apply("full", false), Some(true));
        assert_eq!(RULES.may_apply("provisional", false), Some(false));
        assert_eq!(RULES.may_apply("provisional", true), Some(true));
        assert_eq!(RULES.may_apply("suspended", true), Some(false));
        assert_eq!(RULES.may_apply("other", true), None);
        assert_eq!(RULES.class("A").map(|c| c.who), Some("organisations"));
        assert!(RULES.class("B").is_none());
        assert_eq!(
            MayApply::from_name("with-permission"),
            Some(MayApply::WithPermission)
        );
        assert_eq!(FormEmail::Recorded.name(), "recorded");
    }
}
