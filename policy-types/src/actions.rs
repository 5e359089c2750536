//! What the RA's staff do: every action the server or the CLI performs on a staff
//! member's behalf, by name. A policy gives each action to roles (`ra.roles[].may`,
//! R-5.2-RA-ROLES); the server allows an action only to a role the compiled policy
//! gives it to, so the permission table is the policy's, never the server's.

/// One action of the RA's staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RaAction {
    /// Register a product developer on the list.
    RegisterDeveloper,
    /// Read a developer's record, confidential fields included (R-9.3-CONFIDENTIAL).
    ReadDeveloper,
    /// Decide to remove a developer from the list, revoking its certificates
    /// (R-4.11-LEAVE); the removal workflow says who must countersign it.
    RemoveDeveloper,
    /// Countersign another person's decision to remove a developer (R-5.2-SEPARATION).
    CountersignDeveloperRemoval,
    /// Record a received application form (R-5.4-RA-EVENTS).
    ReceiveApplication,
    /// Read an application form's record.
    ReadApplication,
    /// Examine an application form (the first check of R-5.2-DUAL-CHECK).
    ExamineApplication,
    /// Decide an application form (the final check of R-5.2-DUAL-CHECK).
    DecideApplication,
    /// Record an applicant manager's revocation form (R-4.9-WHO).
    RecordRevocationForm,
    /// Examine a revocation form (the first check of R-5.2-DUAL-CHECK).
    ExamineRevocationForm,
    /// Accept or reject an examined revocation form (the final check of
    /// R-5.2-DUAL-CHECK).
    AcceptRevocationForm,
    /// Decide to revoke a certificate on the CA's own decision (R-4.9-WHO).
    RevokeAsCa,
    /// Countersign another person's decision to revoke as the CA (R-5.2-SEPARATION:
    /// more than one person checks each revocation).
    CountersignCaRevocation,
    /// Read a revocation request.
    ReadRevocation,
    /// Record a telephone confirmation of a key-compromise request (R-4.9-COMPROMISE).
    ConfirmRevocationByPhone,
    /// List revocation requests past their deadline (R-4.9-DEADLINE).
    ListOverdueRevocations,
    /// Record an entry into the RA room (R-5.4-RA-EVENTS).
    RecordRoomEntry,
    /// Record a CA event that happens outside software, one the policy marks
    /// `entered` (R-5.4-CA-EVENTS).
    RecordCaEvent,
    /// Review the actions of the roles under review (R-5.2-DUAL-CHECK).
    ReviewActions,
    /// See whether the CA keys are active.
    ReadActivation,
    /// Enter a custodian's activation share (R-6.2-M-OF-N).
    EnterActivationShare,
    /// List the renewal notices still to send, with their recipients' addresses
    /// (R-4.6-RENEWAL).
    ListRenewalNotices,
    /// Record that a renewal notice was sent (R-4.6-RENEWAL).
    RecordRenewalNotice,
}

impl RaAction {
    /// Every action, in declaration order.
    pub const ALL: &'static [RaAction] = &[
        RaAction::RegisterDeveloper,
        RaAction::ReadDeveloper,
        RaAction::RemoveDeveloper,
        RaAction::CountersignDeveloperRemoval,
        RaAction::ReceiveApplication,
        RaAction::ReadApplication,
        RaAction::ExamineApplication,
        RaAction::DecideApplication,
        RaAction::RecordRevocationForm,
        RaAction::ExamineRevocationForm,
        RaAction::AcceptRevocationForm,
        RaAction::RevokeAsCa,
        RaAction::CountersignCaRevocation,
        RaAction::ReadRevocation,
        RaAction::ConfirmRevocationByPhone,
        RaAction::ListOverdueRevocations,
        RaAction::RecordRoomEntry,
        RaAction::RecordCaEvent,
        RaAction::ReviewActions,
        RaAction::ReadActivation,
        RaAction::EnterActivationShare,
        RaAction::ListRenewalNotices,
        RaAction::RecordRenewalNotice,
    ];

    /// The name a policy writes (`register-developer`).
    pub fn name(self) -> &'static str {
        match self {
            RaAction::RegisterDeveloper => "register-developer",
            RaAction::ReadDeveloper => "read-developer",
            RaAction::RemoveDeveloper => "remove-developer",
            RaAction::CountersignDeveloperRemoval => "countersign-developer-removal",
            RaAction::ReceiveApplication => "receive-application",
            RaAction::ReadApplication => "read-application",
            RaAction::ExamineApplication => "examine-application",
            RaAction::DecideApplication => "decide-application",
            RaAction::RecordRevocationForm => "record-revocation-form",
            RaAction::ExamineRevocationForm => "examine-revocation-form",
            RaAction::AcceptRevocationForm => "accept-revocation-form",
            RaAction::RevokeAsCa => "revoke-as-ca",
            RaAction::CountersignCaRevocation => "countersign-ca-revocation",
            RaAction::ReadRevocation => "read-revocation",
            RaAction::ConfirmRevocationByPhone => "confirm-revocation-by-phone",
            RaAction::ListOverdueRevocations => "list-overdue-revocations",
            RaAction::RecordRoomEntry => "record-room-entry",
            RaAction::RecordCaEvent => "record-ca-event",
            RaAction::ReviewActions => "review-actions",
            RaAction::ReadActivation => "read-activation",
            RaAction::EnterActivationShare => "enter-activation-share",
            RaAction::ListRenewalNotices => "list-renewal-notices",
            RaAction::RecordRenewalNotice => "record-renewal-notice",
        }
    }

    /// The action a policy names, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.name() == name)
    }
}

impl std::fmt::Display for RaAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::RaAction;

    #[test]
    fn every_action_has_one_name_and_reads_back() {
        let mut names: Vec<&str> = RaAction::ALL.iter().map(|a| a.name()).collect();
        for a in RaAction::ALL {
            assert_eq!(RaAction::from_name(a.name()), Some(*a));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RaAction::ALL.len());
    }
}
