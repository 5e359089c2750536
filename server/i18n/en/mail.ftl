# Mail the service sends (R-3.4-REVOKE-CONFIRM).
mail-revocation-subject = Confirm the revocation of certificate { $serial }
mail-revocation-body =
    Dear { $manager },

    We received a request to revoke certificate
    { $serial }
    of developer { $developer }, for the reason: { $reason }.

    It is revoked only if you confirm here:
    { $link }

    If you did not ask for this, ignore this message.
