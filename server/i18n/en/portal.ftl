# The subscriber portal (R-4.2-PASSWORD, R-4.4-RECEIPT) and the manager's confirmation
# of a revocation (R-3.4-REVOKE-CONFIRM).
enroll-title = Get your certificate
enroll-intro = Paste your PKCS#10 certificate request, or choose the file, and type the password your applicant manager gave you. Your private key never leaves your computer.
enroll-file = Request file
enroll-csr = Certificate request (PEM)
enroll-password = Password
enroll-submit = Get my certificate
enrolled-title = Your certificate
enrolled-issued = Issued to { $subject }, serial { $serial }.
enrolled-download-certificate = Download the certificate
enrolled-download-chain = Download it with the CA chain
enroll-failed-title = Your certificate was not issued
enroll-try-again = Try again
confirm-title = Confirm revocation
confirm-question = Revoke certificate { $serial } of developer { $developer }, reason { $reason }?
confirm-submit = Revoke it
revoked-title = Revoked
revoked-text = Certificate { $serial } is revoked, and the CRL is republished.
confirmed-title = Confirmed
confirmed-text = Your confirmation is recorded. The RA revokes the certificate at its next step.
