-- The paper forms as the operator entered them (R-3.2-FORM-A, R-3.2-FORM-B,
-- R-3.4-REVOKE-FORM, R-3.2-ORG-CHECK): a JSON object of the policy's fields, kept with
-- the case it opened, checked against the policy before it is stored. NULL where the
-- record was made before forms were recorded, or where the policy has no such form.
ALTER TABLE applications ADD COLUMN form TEXT;
ALTER TABLE revocation_requests ADD COLUMN form TEXT;
ALTER TABLE developers ADD COLUMN registration_form TEXT;
