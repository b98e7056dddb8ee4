-- Workflow, part 2: an approved scheme's implementation to its settlement (DOMAIN.md §3, §5 steps
-- 5-8): the implementation contract and the beneficiaries' contracts, advances and payments, progress
-- reports and inspections, acceptance, the settlement dossier and its decision, termination; and the
-- money figures every report reads (workflow.scheme_figures).

-- The statuses after approval.
ALTER TABLE workflow.schemes DROP CONSTRAINT schemes_status_check;
ALTER TABLE workflow.schemes ADD CONSTRAINT schemes_status_check
  CHECK (status IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'approved',
                    'implementing', 'accepted', 'settlement_submitted', 'settled', 'terminated', 'rejected'));
ALTER TABLE workflow.approval_steps DROP CONSTRAINT approval_steps_from_status_check;
ALTER TABLE workflow.approval_steps ADD CONSTRAINT approval_steps_from_status_check
  CHECK (from_status IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'approved',
                         'implementing', 'accepted', 'settlement_submitted', 'settled', 'terminated', 'rejected'));
ALTER TABLE workflow.approval_steps DROP CONSTRAINT approval_steps_to_status_check;
ALTER TABLE workflow.approval_steps ADD CONSTRAINT approval_steps_to_status_check
  CHECK (to_status IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'approved',
                       'implementing', 'accepted', 'settlement_submitted', 'settled', 'terminated', 'rejected'));
-- An approval's amount and envelope stay with the scheme through every later status.
ALTER TABLE workflow.schemes DROP CONSTRAINT schemes_check1;
ALTER TABLE workflow.schemes ADD CONSTRAINT schemes_approved_shape CHECK (
  (status NOT IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'rejected'))
  = (support_approved IS NOT NULL AND envelope_id IS NOT NULL));

-- A scheme's money after approval, kept by the service in the transaction of each payment, settlement
-- or termination, under the CHECKs: `paid` counts every disbursement (advances included), `advanced`
-- the advances among them, `released` what a termination gave back to the envelope, `settled` the
-- amount of the settlement decision. A payment is one UPDATE ... SET paid = paid + x with its limit in
-- the WHERE, so two payments racing never pass the approved support. `settled` is written by the
-- settlement decision only, in the transaction that moves the scheme to settled.
-- `origin_unit_id`: the province as it was when the scheme was planned (a former province for the years
-- before the 2025 merger; NULL: the scheme's own province).
ALTER TABLE workflow.schemes
  ADD COLUMN origin_unit_id   uuid REFERENCES identity.admin_units (id),
  ADD COLUMN advanced         numeric NOT NULL DEFAULT 0 CHECK (advanced >= 0 AND advanced = trunc(advanced)),
  ADD COLUMN paid             numeric NOT NULL DEFAULT 0 CHECK (paid >= 0 AND paid = trunc(paid)),
  ADD COLUMN released         numeric NOT NULL DEFAULT 0 CHECK (released >= 0 AND released = trunc(released)),
  ADD COLUMN settled          numeric CHECK (settled >= 0 AND settled = trunc(settled)),
  ADD COLUMN progress_percent integer NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
  ADD CONSTRAINT schemes_money CHECK (
    advanced <= paid
    AND paid + released <= coalesce(support_approved, 0)
    AND (settled IS NULL OR (settled <= support_approved AND paid <= settled)));
CREATE INDEX schemes_figures ON workflow.schemes (plan_year, fund) INCLUDE (province_id, origin_unit_id, activity_code);

-- Rules of money as dated data: the share of the approved support a scheme may receive as advances, and
-- the progress it must have reported first (an advance rule, per activity type or `default`, per fund).
ALTER TABLE workflow.rules DROP CONSTRAINT rules_kind_check;
ALTER TABLE workflow.rules ADD CONSTRAINT rules_kind_check
  CHECK (kind IN ('activity_type', 'support_cap', 'deadline', 'stage_limit', 'priority', 'rubric', 'advance_limit'));
ALTER TABLE workflow.rules DISABLE ROW LEVEL SECURITY;
INSERT INTO workflow.rules (id, kind, key, fund, valid_from, body, legal_basis) VALUES
  (gen_random_uuid(), 'advance_limit', 'default', 'kcqg', DATE '2018-01-01',
   '{"max_percent": "70", "min_progress_percent": 0}',
   'Thông tư 28/2018/TT-BTC (tạm ứng tối đa 70% đối với đào tạo, tư vấn và các nội dung tương tự)'),
  (gen_random_uuid(), 'advance_limit', 'ccn_infrastructure', 'kcqg', DATE '2018-01-01',
   '{"max_percent": "30", "min_progress_percent": 50}',
   'Thông tư 28/2018/TT-BTC (hạ tầng CCN: tạm ứng tối đa 30% khi khối lượng hoàn thành trên 50%)'),
  (gen_random_uuid(), 'deadline', 'national_settlement', 'kcqg', DATE '2018-01-01',
   '{"month": 1, "day": 22}',
   'Thông tư 36/2013/TT-BCT, sửa đổi bởi Thông tư 17/2018/TT-BCT (thanh lý, quyết toán trước 22/01 năm sau)');
ALTER TABLE workflow.rules ENABLE ROW LEVEL SECURITY;

-- The documents of a scheme's implementation.
ALTER TABLE workflow.documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE workflow.documents ADD CONSTRAINT documents_kind_check
  CHECK (kind IN ('request_letter', 'scheme_document', 'beneficiary_request', 'quote', 'land_papers',
                  'business_registration', 'appraisal_record', 'decision', 'contract', 'payment_voucher',
                  'progress_report', 'acceptance_record', 'settlement_dossier', 'liquidation_record',
                  'termination_request', 'other'));

-- Contracts: the implementation contract between the funding level and the implementing unit (one per
-- scheme), and the implementing unit's contract with each beneficiary.
CREATE TABLE workflow.contracts (
  id             uuid PRIMARY KEY,
  province_id    uuid NOT NULL,
  scheme_id      uuid NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('implementation', 'beneficiary')),
  number         text NOT NULL CHECK (length(number) BETWEEN 1 AND 100),
  signed_on      date NOT NULL,
  ends_on        date NOT NULL CHECK (ends_on >= signed_on),
  amount         numeric NOT NULL CHECK (amount > 0 AND amount = trunc(amount)),
  party_org_id   uuid NOT NULL,
  document_id    uuid NOT NULL REFERENCES workflow.documents (id),
  recorded_by    uuid NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id),
  FOREIGN KEY (province_id, party_org_id) REFERENCES identity.organisations (province_id, id),
  UNIQUE (scheme_id, kind, party_org_id)
);
CREATE UNIQUE INDEX contracts_one_implementation ON workflow.contracts (scheme_id) WHERE kind = 'implementation';

-- Advances and payments against the implementation contract, each with its voucher.
CREATE TABLE workflow.payments (
  id           uuid PRIMARY KEY,
  province_id  uuid NOT NULL,
  scheme_id    uuid NOT NULL,
  contract_id  uuid NOT NULL REFERENCES workflow.contracts (id),
  kind         text NOT NULL CHECK (kind IN ('advance', 'payment')),
  amount       numeric NOT NULL CHECK (amount > 0 AND amount = trunc(amount)),
  paid_on      date NOT NULL,
  document_id  uuid NOT NULL REFERENCES workflow.documents (id),
  note         text CHECK (length(note) <= 2000),
  recorded_by  uuid NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id)
);
CREATE INDEX payments_by_scheme ON workflow.payments (scheme_id, paid_on);

-- Progress reports of the implementing unit, and inspections or monitoring visits of the centre, the
-- province or the ministry, with their findings.
CREATE TABLE workflow.scheme_reports (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  province_id   uuid NOT NULL,
  scheme_id     uuid NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('progress', 'inspection')),
  reported_on   date NOT NULL,
  percent_done  integer CHECK (percent_done BETWEEN 0 AND 100),
  body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  document_id   uuid REFERENCES workflow.documents (id),
  by_user       uuid NOT NULL,
  by_org        uuid NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'progress') = (percent_done IS NOT NULL)),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id)
);
CREATE INDEX scheme_reports_by_scheme ON workflow.scheme_reports (scheme_id, id);

-- Acceptance at the facility (nghiệm thu): its record. A failed acceptance is kept too.
CREATE TABLE workflow.acceptances (
  id            uuid PRIMARY KEY,
  province_id   uuid NOT NULL,
  scheme_id     uuid NOT NULL,
  accepted_on   date NOT NULL,
  members       jsonb NOT NULL CHECK (jsonb_typeof(members) = 'array' AND jsonb_array_length(members) BETWEEN 1 AND 30),
  result        text NOT NULL CHECK (result IN ('passed', 'failed')),
  findings      text CHECK (length(findings) <= 4000),
  document_id   uuid NOT NULL REFERENCES workflow.documents (id),
  recorded_by   uuid NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id)
);
CREATE INDEX acceptances_by_scheme ON workflow.acceptances (scheme_id, accepted_on);

-- The settlement (quyết toán): the implementing unit's dossier, then the funding level's decision
-- (the settled amount, the day, the contract's liquidation) or its return with a reason.
CREATE TABLE workflow.settlements (
  scheme_id             uuid PRIMARY KEY,
  province_id           uuid NOT NULL,
  claimed               numeric NOT NULL CHECK (claimed > 0 AND claimed = trunc(claimed)),
  submitted_on          date NOT NULL,
  dossier_document_id   uuid NOT NULL REFERENCES workflow.documents (id),
  submitted_by          uuid NOT NULL,
  settled               numeric CHECK (settled >= 0 AND settled = trunc(settled)),
  settled_on            date,
  liquidated_on         date,
  decision_document_id  uuid REFERENCES workflow.documents (id),
  decided_by            uuid,
  returned_reason       text CHECK (length(returned_reason) <= 2000),
  CHECK ((settled IS NULL) = (settled_on IS NULL) AND (settled IS NULL) = (liquidated_on IS NULL)
         AND (settled IS NULL) = (decision_document_id IS NULL)),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id)
);

-- Termination (ngừng thực hiện) on a written request: the money not yet paid goes back to the envelope.
CREATE TABLE workflow.terminations (
  scheme_id     uuid PRIMARY KEY,
  province_id   uuid NOT NULL,
  requested_on  date NOT NULL,
  reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  document_id   uuid NOT NULL REFERENCES workflow.documents (id),
  released      numeric NOT NULL CHECK (released >= 0 AND released = trunc(released)),
  decided_by    uuid NOT NULL,
  decided_at    timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id)
);

ALTER TABLE workflow.contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.contracts FORCE ROW LEVEL SECURITY;
ALTER TABLE workflow.payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.payments FORCE ROW LEVEL SECURITY;
ALTER TABLE workflow.scheme_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.scheme_reports FORCE ROW LEVEL SECURITY;
ALTER TABLE workflow.acceptances ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.acceptances FORCE ROW LEVEL SECURITY;
ALTER TABLE workflow.settlements ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.settlements FORCE ROW LEVEL SECURITY;
ALTER TABLE workflow.terminations ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.terminations FORCE ROW LEVEL SECURITY;
-- The province's staff and the ministry; not enterprises (yet: a beneficiary's own view comes later).
CREATE POLICY tenant ON workflow.contracts
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
CREATE POLICY tenant ON workflow.payments
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
CREATE POLICY tenant ON workflow.scheme_reports
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
CREATE POLICY tenant ON workflow.acceptances
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
CREATE POLICY tenant ON workflow.settlements
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
CREATE POLICY tenant ON workflow.terminations
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
GRANT SELECT, INSERT ON workflow.contracts, workflow.payments, workflow.scheme_reports,
  workflow.acceptances, workflow.terminations TO kc_workflow;
GRANT SELECT, INSERT, UPDATE ON workflow.settlements TO kc_workflow;

-- The money figures of each scheme, one row per scheme: what every report, screen and export sums.
-- `approved` is what stays committed (a termination's release taken off), `committed` the
-- implementation contract's amount. Invoker's rights: the caller's row-level security applies.
CREATE VIEW workflow.scheme_figures WITH (security_invoker = true) AS
  SELECT s.id AS scheme_id, s.province_id, coalesce(s.origin_unit_id, s.province_id) AS origin_unit_id,
         s.fund, s.plan_year, s.activity_code, s.implementing_org_id, s.status,
         coalesce(s.support_approved - s.released, 0) AS approved,
         coalesce(c.amount, 0) AS committed,
         s.advanced, s.paid, coalesce(s.settled, 0) AS settled
    FROM workflow.schemes s
    LEFT JOIN workflow.contracts c ON c.scheme_id = s.id AND c.kind = 'implementation'
   WHERE s.support_approved IS NOT NULL;
GRANT SELECT ON workflow.scheme_figures TO kc_workflow;
