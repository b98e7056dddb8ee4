DROP VIEW workflow.scheme_figures;
DROP TABLE workflow.terminations;
DROP TABLE workflow.settlements;
DROP TABLE workflow.acceptances;
DROP TABLE workflow.scheme_reports;
DROP TABLE workflow.payments;
DROP TABLE workflow.contracts;
DELETE FROM workflow.documents WHERE kind IN ('contract', 'payment_voucher', 'progress_report', 'acceptance_record',
                                               'settlement_dossier', 'liquidation_record', 'termination_request');
ALTER TABLE workflow.documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE workflow.documents ADD CONSTRAINT documents_kind_check
  CHECK (kind IN ('request_letter', 'scheme_document', 'beneficiary_request', 'quote', 'land_papers',
                  'business_registration', 'appraisal_record', 'decision', 'other'));
ALTER TABLE workflow.rules DISABLE ROW LEVEL SECURITY;
DELETE FROM workflow.rules WHERE kind = 'advance_limit' OR (kind = 'deadline' AND key = 'national_settlement');
ALTER TABLE workflow.rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.rules DROP CONSTRAINT rules_kind_check;
ALTER TABLE workflow.rules ADD CONSTRAINT rules_kind_check
  CHECK (kind IN ('activity_type', 'support_cap', 'deadline', 'stage_limit', 'priority', 'rubric'));
DROP INDEX workflow.schemes_figures;
ALTER TABLE workflow.schemes DROP CONSTRAINT schemes_money,
  DROP COLUMN origin_unit_id, DROP COLUMN advanced, DROP COLUMN paid, DROP COLUMN released,
  DROP COLUMN settled, DROP COLUMN progress_percent;
-- Schemes past approval go back to approved (their later records are gone).
ALTER TABLE workflow.schemes DISABLE ROW LEVEL SECURITY;
UPDATE workflow.schemes SET status = 'approved'
 WHERE status IN ('implementing', 'accepted', 'settlement_submitted', 'settled', 'terminated');
ALTER TABLE workflow.schemes ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.schemes DROP CONSTRAINT schemes_approved_shape;
ALTER TABLE workflow.schemes ADD CONSTRAINT schemes_check1
  CHECK ((status = 'approved') = (support_approved IS NOT NULL AND envelope_id IS NOT NULL));
ALTER TABLE workflow.schemes DROP CONSTRAINT schemes_status_check;
ALTER TABLE workflow.schemes ADD CONSTRAINT schemes_status_check
  CHECK (status IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'approved', 'rejected'));
ALTER TABLE workflow.approval_steps DROP CONSTRAINT approval_steps_from_status_check;
ALTER TABLE workflow.approval_steps ADD CONSTRAINT approval_steps_from_status_check
  CHECK (from_status IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'approved', 'rejected'));
ALTER TABLE workflow.approval_steps DROP CONSTRAINT approval_steps_to_status_check;
ALTER TABLE workflow.approval_steps ADD CONSTRAINT approval_steps_to_status_check
  CHECK (to_status IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'approved', 'rejected'));
