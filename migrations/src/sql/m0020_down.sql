REVOKE UPDATE (ends_on) ON workflow.contracts FROM kc_workflow;
REVOKE DELETE ON workflow.scheme_beneficiaries FROM kc_workflow;
DROP TABLE workflow.adjustments;
DELETE FROM workflow.documents WHERE kind = 'adjustment_request';
ALTER TABLE workflow.documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE workflow.documents ADD CONSTRAINT documents_kind_check
  CHECK (kind IN ('request_letter', 'scheme_document', 'beneficiary_request', 'quote', 'land_papers',
                  'business_registration', 'appraisal_record', 'decision', 'contract', 'payment_voucher',
                  'progress_report', 'acceptance_record', 'settlement_dossier', 'liquidation_record',
                  'termination_request', 'other'));
ALTER TABLE workflow.rules DISABLE ROW LEVEL SECURITY;
DELETE FROM workflow.rules WHERE kind = 'adjustment_route';
ALTER TABLE workflow.rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.rules DROP CONSTRAINT rules_kind_check;
ALTER TABLE workflow.rules ADD CONSTRAINT rules_kind_check
  CHECK (kind IN ('activity_type', 'support_cap', 'deadline', 'stage_limit', 'priority', 'rubric', 'advance_limit'));
