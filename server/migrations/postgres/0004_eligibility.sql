-- Developer classes and registrations are the policy's (R-3.2-CLASSES, R-4.1-ELIGIBLE):
-- the schema no longer fixes them to A/B and full/provisional.
ALTER TABLE developers DROP CONSTRAINT IF EXISTS developers_class_check;
ALTER TABLE developers DROP CONSTRAINT IF EXISTS developers_registration_check;
