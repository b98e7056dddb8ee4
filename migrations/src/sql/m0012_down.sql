DROP TABLE workflow.appraisal_scores;
DROP POLICY tenant ON workflow.schemes;
DROP TABLE workflow.scheme_steps;
DROP TABLE workflow.scheme_beneficiaries;
DROP TABLE workflow.schemes;
DROP TABLE workflow.approval_steps;
DROP FUNCTION workflow.stage_days(text, text, uuid);
ALTER TABLE workflow.rules DISABLE ROW LEVEL SECURITY;
DELETE FROM workflow.rules WHERE kind = 'rubric' OR key LIKE 'scheme\_%';
ALTER TABLE workflow.rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.rules DROP CONSTRAINT rules_kind_check;
ALTER TABLE workflow.rules ADD CONSTRAINT rules_kind_check
  CHECK (kind IN ('activity_type', 'support_cap', 'deadline', 'stage_limit', 'priority'));
