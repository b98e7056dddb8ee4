-- Workflow, part 1: dated reference rules, budget envelopes, and enterprises' applications with every
-- submitted version kept. Tenant tables carry province_id (RLS enabled and forced); the rules are
-- national (province_id NULL) or one province's own.

-- btree_gist lets an exclusion constraint compare plain columns for equality (trusted: the owner may
-- create it).
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Has the transaction entered a tenant scope at all? National rows (province_id NULL) that every
-- province reads are still hidden from a transaction with no tenant: fail closed.
CREATE FUNCTION tenancy.entered() RETURNS boolean
  LANGUAGE sql STABLE AS $f$
    SELECT coalesce(current_setting('app.scope', true), '') IN ('national', 'province', 'enterprise', 'system')
  $f$;

-- Reference rules that the law may change, as dated versions: activity types, support caps, deadlines,
-- the administration's time limit per stage, priority rules. `key` names what a rule is about within
-- its kind (an activity code, a deadline, a stage, a priority flag); versions of the same rule (kind,
-- key, fund, province) never overlap in time. `body` holds the kind's own fields, checked by the
-- service (kc_workflow::rules). `valid_to` is the last day in force (inclusive; NULL: open-ended).
CREATE TABLE workflow.rules (
  id           uuid PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('activity_type', 'support_cap', 'deadline', 'stage_limit', 'priority')),
  key          text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,63}$'),
  fund         text CHECK (fund IN ('kcqg', 'kcdp')),
  province_id  uuid REFERENCES identity.admin_units (id),
  valid_from   date NOT NULL,
  valid_to     date CHECK (valid_to >= valid_from),
  body         jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
  legal_basis  text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_by   uuid,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT rules_no_overlap EXCLUDE USING gist (
    kind WITH =, key WITH =, (coalesce(fund, '')) WITH =,
    (coalesce(province_id, '00000000-0000-0000-0000-000000000000'::uuid)) WITH =,
    daterange(valid_from, valid_to, '[]') WITH &&)
);
CREATE INDEX rules_lookup ON workflow.rules (kind, key, valid_from);

-- Seeded rules (DOMAIN.md §3, §4, §5). Activity types: the content groups of the 2021-2025 programme as
-- Decree 235/2025 refines them.
INSERT INTO workflow.rules (id, kind, key, valid_from, body, legal_basis)
SELECT gen_random_uuid(), 'activity_type', code, DATE '2018-01-01',
       jsonb_build_object('name_vi', name_vi, 'name_en', name_en), 'Nghị định 45/2012/NĐ-CP; Nghị định 235/2025/NĐ-CP'
FROM (VALUES
  ('training', 'Đào tạo nghề, truyền nghề', 'Vocational training and craft transmission'),
  ('demonstration_model', 'Xây dựng mô hình trình diễn kỹ thuật', 'Technical demonstration model'),
  ('machinery', 'Ứng dụng máy móc thiết bị tiên tiến', 'Advanced machinery'),
  ('technology_line', 'Dây chuyền công nghệ tiên tiến', 'Advanced technology line'),
  ('technology_transfer', 'Chuyển giao công nghệ', 'Technology transfer'),
  ('cleaner_production', 'Sản xuất sạch hơn, xử lý ô nhiễm môi trường', 'Cleaner production and pollution treatment'),
  ('product_development', 'Phát triển sản phẩm công nghiệp nông thôn (hội chợ, triển lãm, thương hiệu)', 'Rural industrial product development (fairs, exhibitions, brands)'),
  ('linkage', 'Liên kết, chuỗi giá trị, phát triển cụm công nghiệp', 'Linkages, value chains and CCN development'),
  ('ccn_infrastructure', 'Hạ tầng kỹ thuật cụm công nghiệp', 'CCN infrastructure'),
  ('consulting', 'Tư vấn, thông tin, truyền thông', 'Consulting, information and communication'),
  ('digital_transformation', 'Chuyển đổi số', 'Digital transformation'),
  ('artisans', 'Hỗ trợ nghệ nhân', 'Support for artisans'),
  ('enterprise_setup', 'Thành lập cơ sở công nghiệp nông thôn ở địa bàn khó khăn', 'Setting up establishments in difficult areas'),
  ('system_capacity', 'Nâng cao năng lực hệ thống khuyến công', 'Capacity of the extension system')
) AS t(code, name_vi, name_en);

-- Support caps (Circular 28/2018/TT-BTC; Decree 32/2024 for CCN infrastructure): a share of the cost in
-- per cent and, where the law sets one, a ceiling in đồng per model, establishment or line. The same
-- national figures apply to both funds until a province sets its own local caps.
INSERT INTO workflow.rules (id, kind, key, fund, valid_from, body, legal_basis)
SELECT gen_random_uuid(), 'support_cap', code, fund, DATE '2019-01-01',
       jsonb_build_object('max_share_percent', share, 'max_amount', ceiling, 'per', per), basis
FROM (VALUES
  ('demonstration_model', '30', '1000000000', 'model', 'Thông tư 28/2018/TT-BTC'),
  ('machinery', '50', '300000000', 'establishment', 'Thông tư 28/2018/TT-BTC'),
  ('technology_line', '50', '450000000', 'line', 'Thông tư 28/2018/TT-BTC'),
  ('enterprise_setup', '100', '10000000', 'establishment', 'Thông tư 28/2018/TT-BTC'),
  ('ccn_infrastructure', '30', NULL, 'project', 'Nghị định 32/2024/NĐ-CP')
) AS c(code, share, ceiling, per, basis)
CROSS JOIN (VALUES ('kcqg'), ('kcdp')) AS f(fund);

-- Deadlines (day and month of each year; Circular 36/2013/TT-BCT as amended by 17/2018/TT-BCT).
INSERT INTO workflow.rules (id, kind, key, fund, valid_from, body, legal_basis) VALUES
  (gen_random_uuid(), 'deadline', 'plan_registration', 'kcqg', DATE '2018-01-01',
   '{"month": 5, "day": 20}', 'Thông tư 17/2018/TT-BCT'),
  (gen_random_uuid(), 'deadline', 'plan_registration', 'kcdp', DATE '2018-01-01',
   '{"month": 5, "day": 20}', 'Thông tư 17/2018/TT-BCT'),
  (gen_random_uuid(), 'deadline', 'province_registration', 'kcqg', DATE '2018-01-01',
   '{"month": 6, "day": 20}', 'Thông tư 17/2018/TT-BCT');

-- The administration's own time limit per stage, in days (the system's defaults; each is editable).
INSERT INTO workflow.rules (id, kind, key, valid_from, body, legal_basis) VALUES
  (gen_random_uuid(), 'stage_limit', 'application_submitted', DATE '2018-01-01',
   '{"days": 5}', 'Mặc định của hệ thống (Bộ Công Thương điều chỉnh)'),
  (gen_random_uuid(), 'stage_limit', 'application_under_review', DATE '2018-01-01',
   '{"days": 20}', 'Mặc định của hệ thống (Bộ Công Thương điều chỉnh)'),
  (gen_random_uuid(), 'stage_limit', 'application_returned', DATE '2018-01-01',
   '{"days": 30}', 'Mặc định của hệ thống (Bộ Công Thương điều chỉnh)');

-- Priority rules (Decree 235/2025/NĐ-CP, in force 15 October 2025): points added at selection.
INSERT INTO workflow.rules (id, kind, key, valid_from, body, legal_basis) VALUES
  (gen_random_uuid(), 'priority', 'woman_owned', DATE '2025-10-15', '{"points": 10}', 'Nghị định 235/2025/NĐ-CP'),
  (gen_random_uuid(), 'priority', 'ethnic_minority_owned', DATE '2025-10-15', '{"points": 10}', 'Nghị định 235/2025/NĐ-CP'),
  (gen_random_uuid(), 'priority', 'difficult_area', DATE '2025-10-15', '{"points": 10}', 'Nghị định 235/2025/NĐ-CP');

-- Row-level security after the seed (FORCE applies to the owner too).
ALTER TABLE workflow.rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.rules FORCE ROW LEVEL SECURITY;
-- Everyone reads the national rules and their own province's; only the ministry writes national rules,
-- a province writes its own.
CREATE POLICY read_rules ON workflow.rules FOR SELECT
  USING ((province_id IS NULL AND tenancy.entered()) OR tenancy.visible(province_id));
CREATE POLICY write_rules ON workflow.rules FOR INSERT WITH CHECK (tenancy.visible(province_id));
CREATE POLICY change_rules ON workflow.rules FOR UPDATE
  USING (tenancy.visible(province_id)) WITH CHECK (tenancy.visible(province_id));
GRANT SELECT, INSERT, UPDATE ON workflow.rules TO kc_workflow;

-- Budget envelopes. KCQG: one national envelope per year (province_id NULL) and its allocations to
-- provinces (parent_id = the national envelope). KCĐP: each province's own envelope (no parent).
-- `allocated` is the sum of the children's amounts, `committed` the sum of the schemes approved against
-- this envelope; both are kept by the service in the transaction that changes them, under the row lock
-- of the UPDATE, and the CHECK makes over-commitment impossible even when two approvals race.
CREATE TABLE workflow.envelopes (
  id           uuid PRIMARY KEY,
  year         integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  fund         text NOT NULL CHECK (fund IN ('kcqg', 'kcdp')),
  province_id  uuid REFERENCES identity.admin_units (id),
  parent_id    uuid REFERENCES workflow.envelopes (id),
  amount       numeric NOT NULL CHECK (amount >= 0 AND amount = trunc(amount)),
  allocated    numeric NOT NULL DEFAULT 0 CHECK (allocated >= 0),
  committed    numeric NOT NULL DEFAULT 0 CHECK (committed >= 0),
  note         text CHECK (length(note) <= 500),
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT envelopes_within_amount CHECK (allocated + committed <= amount),
  -- The national KCQG envelope has no province and no parent; an allocation has both; a local envelope
  -- has a province and no parent.
  CONSTRAINT envelopes_shape CHECK (
    (fund = 'kcqg' AND province_id IS NULL AND parent_id IS NULL) OR
    (fund = 'kcqg' AND province_id IS NOT NULL AND parent_id IS NOT NULL) OR
    (fund = 'kcdp' AND province_id IS NOT NULL AND parent_id IS NULL)),
  UNIQUE (year, fund, province_id)
);
CREATE UNIQUE INDEX envelopes_one_national ON workflow.envelopes (year, fund) WHERE province_id IS NULL;

ALTER TABLE workflow.envelopes ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.envelopes FORCE ROW LEVEL SECURITY;
-- A province sees the national envelope (the whole it draws on) and its own; the ministry sees all.
CREATE POLICY read_envelopes ON workflow.envelopes FOR SELECT
  USING ((province_id IS NULL AND tenancy.entered()) OR tenancy.visible(province_id));
CREATE POLICY write_envelopes ON workflow.envelopes FOR INSERT WITH CHECK (tenancy.visible(province_id));
CREATE POLICY change_envelopes ON workflow.envelopes FOR UPDATE
  USING (tenancy.visible(province_id)) WITH CHECK (tenancy.visible(province_id));
GRANT SELECT, INSERT, UPDATE ON workflow.envelopes TO kc_workflow;

-- Applications for support by enterprises. Content fields may be empty while the application is a draft;
-- the service checks completeness and the cap rules at submission. `version` increases with every
-- change (optimistic concurrency: a client names the version it saw). `stage_since` is when the current
-- state began (the stage's time limit counts from it).
CREATE TABLE workflow.applications (
  id                     uuid PRIMARY KEY,
  province_id            uuid NOT NULL REFERENCES identity.admin_units (id),
  organisation_id        uuid NOT NULL,
  status                 text NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft', 'submitted', 'under_review', 'returned', 'accepted', 'rejected', 'withdrawn')),
  version                integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  submissions            integer NOT NULL DEFAULT 0 CHECK (submissions >= 0),
  fund                   text CHECK (fund IN ('kcqg', 'kcdp')),
  activity_code          text CHECK (activity_code ~ '^[a-z][a-z0-9_]{0,63}$'),
  plan_year              integer CHECK (plan_year BETWEEN 2000 AND 2100),
  title                  text CHECK (length(title) <= 300),
  commune                text CHECK (length(commune) <= 200),
  total_cost             numeric CHECK (total_cost >= 0 AND total_cost = trunc(total_cost)),
  support_requested      numeric CHECK (support_requested >= 0 AND support_requested = trunc(support_requested)),
  counterpart            numeric CHECK (counterpart >= 0 AND counterpart = trunc(counterpart)),
  expected_results       text CHECK (length(expected_results) <= 5000),
  start_date             date,
  end_date               date CHECK (end_date >= start_date),
  woman_owned            boolean NOT NULL DEFAULT false,
  ethnic_minority_owned  boolean NOT NULL DEFAULT false,
  difficult_area         boolean NOT NULL DEFAULT false,
  status_reason          text CHECK (length(status_reason) <= 2000),
  stage_since            timestamptz NOT NULL DEFAULT now(),
  created_by             uuid NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (province_id, organisation_id) REFERENCES identity.organisations (province_id, id),
  UNIQUE (province_id, id)
);
-- The centre's queue: its province's applications by state, oldest stage first.
CREATE INDEX applications_queue ON workflow.applications (province_id, status, stage_since);
CREATE INDEX applications_by_organisation ON workflow.applications (organisation_id, updated_at DESC);

-- Every submitted version, as the applicant sent it (the content fields as JSON).
CREATE TABLE workflow.application_versions (
  province_id     uuid NOT NULL,
  application_id  uuid NOT NULL,
  number          integer NOT NULL CHECK (number >= 1),
  content         jsonb NOT NULL,
  submitted_by    uuid NOT NULL,
  submitted_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (province_id, application_id, number),
  FOREIGN KEY (province_id, application_id) REFERENCES workflow.applications (province_id, id)
);

ALTER TABLE workflow.applications ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.applications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workflow.applications
  USING (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id))
  WITH CHECK (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id));
ALTER TABLE workflow.application_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.application_versions FORCE ROW LEVEL SECURITY;
-- A version is seen by whoever sees its application.
CREATE POLICY tenant ON workflow.application_versions
  USING (tenancy.visible(province_id) AND EXISTS (
           SELECT 1 FROM workflow.applications a
            WHERE a.province_id = application_versions.province_id AND a.id = application_versions.application_id))
  WITH CHECK (tenancy.visible(province_id));
GRANT SELECT, INSERT, UPDATE ON workflow.applications TO kc_workflow;
GRANT SELECT, INSERT ON workflow.application_versions TO kc_workflow;
-- Workflow reads organisations (the applicant's profile) and writes audit rows and outbox events (m0004).
