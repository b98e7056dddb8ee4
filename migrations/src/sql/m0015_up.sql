-- Periodic CCN reports (Circular 14/2024, amended by 38/2025): each cluster's infrastructure investor
-- and tenant enterprises report for a half-year (data window 15 Dec–14 Jun, due 20 June) and a year
-- (15 Dec–14 Dec, due 20 December); the windows and due dates are dated rules. The province reviews
-- each report (returns it for corrections or accepts it) and consolidates its own for the ministry.
ALTER TABLE registry.rules DROP CONSTRAINT rules_key_check;
ALTER TABLE registry.rules ADD CONSTRAINT rules_key_check
  CHECK (key IN ('cluster_size', 'new_cluster', 'expansion', 'infrastructure_support',
                 'half_year_report', 'annual_report'));
ALTER TABLE registry.rules DISABLE ROW LEVEL SECURITY;
INSERT INTO registry.rules (id, key, valid_from, body, legal_basis) VALUES
  (gen_random_uuid(), 'half_year_report', DATE '2024-05-01',
   '{"from_month": 12, "from_day": 15, "from_previous_year": true, "to_month": 6, "to_day": 14, "due_month": 6, "due_day": 20}',
   'Thông tư 14/2024/TT-BCT, sửa đổi bởi Thông tư 38/2025/TT-BCT'),
  (gen_random_uuid(), 'annual_report', DATE '2024-05-01',
   '{"from_month": 12, "from_day": 15, "from_previous_year": true, "to_month": 12, "to_day": 14, "due_month": 12, "due_day": 20}',
   'Thông tư 14/2024/TT-BCT, sửa đổi bởi Thông tư 38/2025/TT-BCT');
ALTER TABLE registry.rules ENABLE ROW LEVEL SECURITY;

CREATE TABLE registry.cluster_reports (
  id               uuid PRIMARY KEY,
  province_id      uuid NOT NULL,
  cluster_id       uuid NOT NULL,
  organisation_id  uuid NOT NULL,
  party            text NOT NULL CHECK (party IN ('investor', 'tenant')),
  kind             text NOT NULL CHECK (kind IN ('half_year', 'annual')),
  year             integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  window_from      date NOT NULL,
  window_to        date NOT NULL CHECK (window_to >= window_from),
  due_date         date NOT NULL,
  status           text NOT NULL CHECK (status IN ('submitted', 'returned', 'accepted')),
  version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  figures          jsonb NOT NULL CHECK (jsonb_typeof(figures) = 'object'),
  submitted_by     uuid NOT NULL,
  submitted_at     timestamptz NOT NULL,
  first_submitted_at timestamptz NOT NULL,
  reviewed_by      uuid,
  reviewed_at      timestamptz,
  review_note      text CHECK (length(review_note) <= 2000),
  UNIQUE (cluster_id, organisation_id, kind, year),
  FOREIGN KEY (province_id, cluster_id) REFERENCES registry.clusters (province_id, id) ON UPDATE CASCADE,
  FOREIGN KEY (province_id, organisation_id) REFERENCES identity.organisations (province_id, id) ON UPDATE CASCADE
);
CREATE INDEX cluster_reports_period ON registry.cluster_reports (province_id, kind, year, status);

-- A province's consolidated report for the ministry: the sums of the accepted reports, and who
-- reported, at the time it was sent (sent again, it is replaced and its version grows).
CREATE TABLE registry.province_reports (
  id               uuid PRIMARY KEY,
  province_id      uuid NOT NULL REFERENCES identity.admin_units (id),
  kind             text NOT NULL CHECK (kind IN ('half_year', 'annual')),
  year             integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  totals           jsonb NOT NULL CHECK (jsonb_typeof(totals) = 'object'),
  submitted_by     uuid NOT NULL,
  submitted_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (province_id, kind, year)
);

ALTER TABLE registry.cluster_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.cluster_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON registry.cluster_reports
  USING (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id))
  WITH CHECK (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id));
ALTER TABLE registry.province_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.province_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON registry.province_reports
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
GRANT SELECT, INSERT, UPDATE ON registry.cluster_reports, registry.province_reports TO kc_registry;
