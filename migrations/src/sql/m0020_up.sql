-- Workflow, part 2 (continued): adjustments (điều chỉnh) of an approved scheme, records of their own
-- with their own approval. Who approves a kind of adjustment is a dated rule (`adjustment_route`): the
-- funding level (the ministry for the national fund, the province's department for a local one) with
-- the permission the rule names.

ALTER TABLE workflow.rules DROP CONSTRAINT rules_kind_check;
ALTER TABLE workflow.rules ADD CONSTRAINT rules_kind_check
  CHECK (kind IN ('activity_type', 'support_cap', 'deadline', 'stage_limit', 'priority', 'rubric',
                  'advance_limit', 'adjustment_route'));
ALTER TABLE workflow.rules DISABLE ROW LEVEL SECURITY;
INSERT INTO workflow.rules (id, kind, key, valid_from, body, legal_basis)
SELECT gen_random_uuid(), 'adjustment_route', kind, DATE '2018-01-01',
       jsonb_build_object('permission', permission),
       'Thông tư 36/2013/TT-BCT, sửa đổi bởi Thông tư 17/2018/TT-BCT (điều chỉnh, bổ sung đề án)'
FROM (VALUES
  ('raise_support', 'approver'),
  ('change_content', 'approver'),
  ('change_location', 'officer'),
  ('change_beneficiary', 'officer'),
  ('change_timing', 'officer'),
  ('lower_support', 'officer')
) AS r(kind, permission);
ALTER TABLE workflow.rules ENABLE ROW LEVEL SECURITY;

ALTER TABLE workflow.documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE workflow.documents ADD CONSTRAINT documents_kind_check
  CHECK (kind IN ('request_letter', 'scheme_document', 'beneficiary_request', 'quote', 'land_papers',
                  'business_registration', 'appraisal_record', 'decision', 'contract', 'payment_voucher',
                  'progress_report', 'acceptance_record', 'settlement_dossier', 'liquidation_record',
                  'termination_request', 'adjustment_request', 'other'));

-- An adjustment: what it changes (`changes`, the kind's own fields, checked by the service), who must
-- decide it (the route in force when it was asked), and the decision. One pending at a time per scheme;
-- `number` counts a scheme's adjustments from 1.
CREATE TABLE workflow.adjustments (
  id                uuid PRIMARY KEY,
  province_id       uuid NOT NULL,
  scheme_id         uuid NOT NULL,
  number            integer NOT NULL CHECK (number >= 1),
  kind              text NOT NULL CHECK (kind IN ('raise_support', 'change_content', 'change_location',
                                                  'change_beneficiary', 'change_timing', 'lower_support')),
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  changes           jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object'),
  reason            text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  document_id       uuid NOT NULL REFERENCES workflow.documents (id),
  route_role        text NOT NULL CHECK (route_role IN ('ministry', 'province', 'centre', 'enterprise')),
  route_permission  text NOT NULL CHECK (route_permission IN ('officer', 'approver', 'viewer', 'admin')),
  requested_by      uuid NOT NULL,
  requested_at      timestamptz NOT NULL DEFAULT now(),
  decided_by        uuid,
  decided_at        timestamptz,
  decision_reason   text CHECK (length(decision_reason) <= 2000),
  CHECK ((status = 'pending') = (decided_at IS NULL)),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id),
  UNIQUE (scheme_id, number)
);
CREATE UNIQUE INDEX adjustments_one_pending ON workflow.adjustments (scheme_id) WHERE status = 'pending';
ALTER TABLE workflow.adjustments ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.adjustments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workflow.adjustments
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
GRANT SELECT, INSERT, UPDATE ON workflow.adjustments TO kc_workflow;
-- An approved change of beneficiary takes one off the scheme.
GRANT DELETE ON workflow.scheme_beneficiaries TO kc_workflow;
-- An approved change of timing moves the implementation contract's end.
GRANT UPDATE (ends_on) ON workflow.contracts TO kc_workflow;
