-- Workflow, part 1 (continued): schemes built by the centre from accepted applications, their
-- approval chain as data per fund, provincial appraisal with each appraiser's scores, and the budget
-- commitment an approval makes.

-- Scoring rubrics are dated rules too (per activity type, or `default`).
ALTER TABLE workflow.rules DROP CONSTRAINT rules_kind_check;
ALTER TABLE workflow.rules ADD CONSTRAINT rules_kind_check
  CHECK (kind IN ('activity_type', 'support_cap', 'deadline', 'stage_limit', 'priority', 'rubric'));
ALTER TABLE workflow.rules DISABLE ROW LEVEL SECURITY;
INSERT INTO workflow.rules (id, kind, key, valid_from, body, legal_basis) VALUES
  (gen_random_uuid(), 'rubric', 'default', DATE '2018-01-01',
   '{"criteria": [
      {"code": "necessity", "name_vi": "Sự cần thiết, phù hợp với chương trình khuyến công", "max": 20},
      {"code": "feasibility", "name_vi": "Tính khả thi của nội dung và tiến độ", "max": 25},
      {"code": "effectiveness", "name_vi": "Hiệu quả kinh tế - xã hội, khả năng nhân rộng", "max": 25},
      {"code": "counterpart", "name_vi": "Năng lực và vốn đối ứng của cơ sở", "max": 15},
      {"code": "priority", "name_vi": "Đối tượng, địa bàn ưu tiên", "max": 15}],
     "pass_total": 50}',
   'Thông tư 36/2013/TT-BCT, Thông tư 17/2018/TT-BCT (tiêu chí xét chọn)'),
  (gen_random_uuid(), 'stage_limit', 'scheme_registered', DATE '2018-01-01',
   '{"days": 30}', 'Mặc định của hệ thống (Bộ Công Thương điều chỉnh)'),
  (gen_random_uuid(), 'stage_limit', 'scheme_appraised', DATE '2018-01-01',
   '{"days": 15}', 'Mặc định của hệ thống (Bộ Công Thương điều chỉnh)'),
  (gen_random_uuid(), 'stage_limit', 'scheme_sent_to_ministry', DATE '2018-01-01',
   '{"days": 60}', 'Mặc định của hệ thống (Bộ Công Thương điều chỉnh)'),
  (gen_random_uuid(), 'stage_limit', 'scheme_selected', DATE '2018-01-01',
   '{"days": 30}', 'Mặc định của hệ thống (Bộ Công Thương điều chỉnh)');
ALTER TABLE workflow.rules ENABLE ROW LEVEL SECURITY;

-- The administration's time limit, in days, for a stage (`application_<status>`, `scheme_<status>`) of
-- a record of this fund and province: the stage-limit rule in force today in Vietnam, the province's own
-- first. NULL: the stage has no limit. (Invoker's rights: row-level security of the rules applies.)
CREATE FUNCTION workflow.stage_days(p_key text, p_fund text, p_province uuid) RETURNS integer
  LANGUAGE sql STABLE AS $f$
    SELECT (r.body->>'days')::int FROM workflow.rules r
     WHERE r.kind = 'stage_limit' AND r.key = p_key
       AND (r.fund IS NULL OR r.fund = p_fund) AND (r.province_id IS NULL OR r.province_id = p_province)
       AND r.valid_from <= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
       AND (r.valid_to IS NULL OR r.valid_to >= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)
     ORDER BY r.province_id NULLS LAST, r.fund NULLS LAST LIMIT 1
  $f$;

-- The approval chain, per fund, as data: each step moves a scheme from one status to the next and is
-- taken by a role holding a permission; a step may have to be taken by a yearly deadline (a deadline
-- rule of the year before the plan year), may need the appraisal concluded, may commit the budget.
CREATE TABLE workflow.approval_steps (
  id               uuid PRIMARY KEY,
  fund             text NOT NULL CHECK (fund IN ('kcqg', 'kcdp')),
  step             integer NOT NULL CHECK (step BETWEEN 1 AND 20),
  from_status      text NOT NULL CHECK (from_status IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'approved', 'rejected')),
  to_status        text NOT NULL CHECK (to_status IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'approved', 'rejected')),
  actor_role       text NOT NULL CHECK (actor_role IN ('ministry', 'province', 'centre', 'enterprise')),
  actor_permission text NOT NULL CHECK (actor_permission IN ('officer', 'approver', 'viewer', 'admin')),
  deadline_key     text CHECK (deadline_key IN ('plan_registration', 'province_registration')),
  needs_appraisal  boolean NOT NULL DEFAULT false,
  commits_budget   boolean NOT NULL DEFAULT false,
  label_vi         text NOT NULL CHECK (length(label_vi) BETWEEN 1 AND 200),
  valid_from       date NOT NULL,
  valid_to         date CHECK (valid_to >= valid_from),
  CONSTRAINT approval_steps_no_overlap EXCLUDE USING gist (
    fund WITH =, step WITH =, daterange(valid_from, valid_to, '[]') WITH &&),
  CONSTRAINT approval_steps_no_fork EXCLUDE USING gist (
    fund WITH =, from_status WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
);
INSERT INTO workflow.approval_steps (id, fund, step, from_status, to_status, actor_role, actor_permission,
                                     deadline_key, needs_appraisal, commits_budget, label_vi, valid_from) VALUES
  (gen_random_uuid(), 'kcqg', 1, 'draft', 'registered', 'centre', 'officer', 'plan_registration', false, false,
   'Đăng ký kế hoạch với Sở Công Thương', DATE '2018-01-01'),
  (gen_random_uuid(), 'kcqg', 2, 'registered', 'appraised', 'province', 'officer', NULL, true, false,
   'Thẩm định cấp cơ sở', DATE '2018-01-01'),
  (gen_random_uuid(), 'kcqg', 3, 'appraised', 'sent_to_ministry', 'province', 'approver', 'province_registration', false, false,
   'Gửi đăng ký kế hoạch về Bộ Công Thương', DATE '2018-01-01'),
  (gen_random_uuid(), 'kcqg', 4, 'sent_to_ministry', 'selected', 'ministry', 'officer', NULL, false, false,
   'Thẩm định, xét chọn cấp Bộ', DATE '2018-01-01'),
  (gen_random_uuid(), 'kcqg', 5, 'selected', 'approved', 'ministry', 'approver', NULL, false, true,
   'Phê duyệt kế hoạch khuyến công quốc gia', DATE '2018-01-01'),
  (gen_random_uuid(), 'kcdp', 1, 'draft', 'registered', 'centre', 'officer', 'plan_registration', false, false,
   'Đăng ký kế hoạch với Sở Công Thương', DATE '2018-01-01'),
  (gen_random_uuid(), 'kcdp', 2, 'registered', 'appraised', 'province', 'officer', NULL, true, false,
   'Thẩm định cấp cơ sở', DATE '2018-01-01'),
  (gen_random_uuid(), 'kcdp', 3, 'appraised', 'approved', 'province', 'approver', NULL, false, true,
   'Phê duyệt kế hoạch khuyến công địa phương', DATE '2018-01-01');
ALTER TABLE workflow.approval_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.approval_steps FORCE ROW LEVEL SECURITY;
-- National reference: every caller reads it; only the ministry changes it.
CREATE POLICY read_steps ON workflow.approval_steps FOR SELECT USING (tenancy.entered());
CREATE POLICY write_steps ON workflow.approval_steps FOR ALL
  USING (tenancy.sees_all() AND tenancy.entered()) WITH CHECK (tenancy.sees_all() AND tenancy.entered());
GRANT SELECT ON workflow.approval_steps TO kc_workflow;

-- Schemes (đề án). `version` for optimistic concurrency; `stage_since` starts each stage's time limit.
CREATE TABLE workflow.schemes (
  id                   uuid PRIMARY KEY,
  province_id          uuid NOT NULL REFERENCES identity.admin_units (id),
  implementing_org_id  uuid NOT NULL,
  status               text NOT NULL DEFAULT 'draft'
                       CHECK (status IN ('draft', 'registered', 'appraised', 'sent_to_ministry', 'selected', 'approved', 'rejected')),
  version              integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  kind                 text NOT NULL CHECK (kind IN ('point', 'grouped')),
  fund                 text NOT NULL CHECK (fund IN ('kcqg', 'kcdp')),
  plan_year            integer NOT NULL CHECK (plan_year BETWEEN 2000 AND 2100),
  activity_code        text NOT NULL CHECK (activity_code ~ '^[a-z][a-z0-9_]{0,63}$'),
  title                text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  commune              text NOT NULL CHECK (length(commune) BETWEEN 1 AND 200),
  total_cost           numeric NOT NULL CHECK (total_cost > 0 AND total_cost = trunc(total_cost)),
  support_requested    numeric NOT NULL CHECK (support_requested > 0 AND support_requested = trunc(support_requested)),
  counterpart          numeric NOT NULL CHECK (counterpart >= 0 AND counterpart = trunc(counterpart)),
  support_recommended  numeric CHECK (support_recommended >= 0 AND support_recommended = trunc(support_recommended)),
  support_approved     numeric CHECK (support_approved >= 0 AND support_approved = trunc(support_approved)),
  envelope_id          uuid REFERENCES workflow.envelopes (id),
  status_reason        text CHECK (length(status_reason) <= 2000),
  stage_since          timestamptz NOT NULL DEFAULT now(),
  prepared_by          uuid NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (support_requested <= total_cost),
  CHECK ((status = 'approved') = (support_approved IS NOT NULL AND envelope_id IS NOT NULL)),
  FOREIGN KEY (province_id, implementing_org_id) REFERENCES identity.organisations (province_id, id),
  UNIQUE (province_id, id)
);
CREATE INDEX schemes_plan ON workflow.schemes (province_id, plan_year, fund, status);
CREATE INDEX schemes_by_status ON workflow.schemes (status, plan_year);

-- Who benefits: a point scheme names them when it is made, a grouped one may add them later. An
-- application goes into one scheme at most.
CREATE TABLE workflow.scheme_beneficiaries (
  province_id      uuid NOT NULL,
  scheme_id        uuid NOT NULL,
  organisation_id  uuid NOT NULL,
  application_id   uuid UNIQUE,
  PRIMARY KEY (province_id, scheme_id, organisation_id),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id),
  FOREIGN KEY (province_id, organisation_id) REFERENCES identity.organisations (province_id, id),
  FOREIGN KEY (province_id, application_id) REFERENCES workflow.applications (province_id, id)
);
CREATE INDEX scheme_beneficiaries_by_org ON workflow.scheme_beneficiaries (organisation_id);

-- Every step taken: who, when, from and to, why (who prepared a scheme may not approve it).
CREATE TABLE workflow.scheme_steps (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  province_id  uuid NOT NULL,
  scheme_id    uuid NOT NULL,
  step         integer,
  from_status  text NOT NULL,
  to_status    text NOT NULL,
  by_user      uuid NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  reason       text CHECK (length(reason) <= 2000),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id)
);
CREATE INDEX scheme_steps_by_scheme ON workflow.scheme_steps (scheme_id, id);

-- Provincial appraisal: each appraiser declares no conflict of interest and scores against the rubric
-- in force; the step that concludes the appraisal reads these rows.
CREATE TABLE workflow.appraisal_scores (
  province_id          uuid NOT NULL,
  scheme_id            uuid NOT NULL,
  user_id              uuid NOT NULL,
  organisation_id      uuid NOT NULL,
  no_conflict_declared boolean NOT NULL CHECK (no_conflict_declared),
  scores               jsonb NOT NULL CHECK (jsonb_typeof(scores) = 'object'),
  total                integer NOT NULL CHECK (total >= 0),
  recommended_amount   numeric NOT NULL CHECK (recommended_amount >= 0 AND recommended_amount = trunc(recommended_amount)),
  passes               boolean NOT NULL,
  note                 text CHECK (length(note) <= 2000),
  scored_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (province_id, scheme_id, user_id),
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id)
);

ALTER TABLE workflow.schemes ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.schemes FORCE ROW LEVEL SECURITY;
-- A scheme is its province's (and the ministry's); an enterprise sees a scheme it benefits from.
CREATE POLICY tenant ON workflow.schemes
  USING (tenancy.visible(province_id) AND (
           coalesce(current_setting('app.scope', true), '') <> 'enterprise'
           OR EXISTS (SELECT 1 FROM workflow.scheme_beneficiaries b
                       WHERE b.scheme_id = schemes.id AND b.organisation_id = tenancy.current_org())))
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
ALTER TABLE workflow.scheme_beneficiaries ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.scheme_beneficiaries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workflow.scheme_beneficiaries
  USING (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id))
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
ALTER TABLE workflow.scheme_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.scheme_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workflow.scheme_steps
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
ALTER TABLE workflow.appraisal_scores ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.appraisal_scores FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workflow.appraisal_scores
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');

GRANT SELECT, INSERT, UPDATE ON workflow.schemes TO kc_workflow;
GRANT SELECT, INSERT ON workflow.scheme_beneficiaries, workflow.scheme_steps, workflow.appraisal_scores TO kc_workflow;
