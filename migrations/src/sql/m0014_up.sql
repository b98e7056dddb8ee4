-- The registry of industrial clusters (CCN, DOMAIN.md §6): communes as dated reference data, rule checks
-- as dated data, and every cluster as its versions, never overwritten.

-- Communes (xã, phường) a cluster may lie in, per province, dated. A province's admins add them.
CREATE TABLE registry.communes (
  id           uuid PRIMARY KEY,
  province_id  uuid NOT NULL REFERENCES identity.admin_units (id),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  valid_from   date NOT NULL,
  valid_to     date CHECK (valid_to >= valid_from),
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (province_id, name, valid_from)
);
ALTER TABLE registry.communes ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.communes FORCE ROW LEVEL SECURITY;
CREATE POLICY read_communes ON registry.communes FOR SELECT USING (tenancy.entered());
CREATE POLICY write_communes ON registry.communes FOR INSERT WITH CHECK (tenancy.visible(province_id));
GRANT SELECT, INSERT ON registry.communes TO kc_registry;

-- The rule checks a proposal or an expansion passes, as dated versions (national, or a province's own
-- where the law lets it): `cluster_size`, `new_cluster`, `expansion`, `infrastructure_support`. `body`
-- holds the rule's figures, checked by the service (kc_registry::rules). `valid_to` is inclusive.
CREATE TABLE registry.rules (
  id           uuid PRIMARY KEY,
  key          text NOT NULL CHECK (key IN ('cluster_size', 'new_cluster', 'expansion', 'infrastructure_support')),
  province_id  uuid REFERENCES identity.admin_units (id),
  valid_from   date NOT NULL,
  valid_to     date CHECK (valid_to >= valid_from),
  body         jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
  legal_basis  text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT registry_rules_no_overlap EXCLUDE USING gist (
    key WITH =, (coalesce(province_id, '00000000-0000-0000-0000-000000000000'::uuid)) WITH =,
    daterange(valid_from, valid_to, '[]') WITH &&)
);
INSERT INTO registry.rules (id, key, valid_from, body, legal_basis) VALUES
  (gen_random_uuid(), 'cluster_size', DATE '2024-05-01', '{"min_ha": "10", "max_ha": "75"}',
   'Nghị định 32/2024/NĐ-CP, Điều 2'),
  (gen_random_uuid(), 'new_cluster', DATE '2024-05-01', '{"min_average_occupancy_percent": "50"}',
   'Nghị định 32/2024/NĐ-CP (bổ sung cụm công nghiệp mới vào phương án phát triển)'),
  (gen_random_uuid(), 'expansion', DATE '2024-05-01',
   '{"min_occupancy_percent": "60", "max_total_ha": "75", "needs_wastewater": true}',
   'Nghị định 32/2024/NĐ-CP (mở rộng cụm công nghiệp)'),
  (gen_random_uuid(), 'infrastructure_support', DATE '2024-05-01', '{"max_share_percent": "30"}',
   'Nghị định 32/2024/NĐ-CP (hỗ trợ đầu tư hạ tầng kỹ thuật cụm công nghiệp)');
ALTER TABLE registry.rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.rules FORCE ROW LEVEL SECURITY;
CREATE POLICY read_rules ON registry.rules FOR SELECT
  USING (tenancy.entered() AND (province_id IS NULL OR tenancy.visible(province_id)));
CREATE POLICY write_rules ON registry.rules FOR INSERT WITH CHECK (tenancy.visible(province_id));
CREATE POLICY change_rules ON registry.rules FOR UPDATE
  USING (tenancy.visible(province_id)) WITH CHECK (tenancy.visible(province_id));
GRANT SELECT, INSERT, UPDATE ON registry.rules TO kc_registry;

-- A cluster: what never changes (its id, its code within the province). `province_id` is today's
-- province (after the 2025 merger, the successor); `investor_org_id` the current version's investor
-- organisation, kept here so that row-level security can name it. Its versions are below.
CREATE TABLE registry.clusters (
  id               uuid PRIMARY KEY,
  province_id      uuid NOT NULL REFERENCES identity.admin_units (id),
  code             text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
  investor_org_id  uuid,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (province_id, code),
  UNIQUE (province_id, id)
);

-- Every version of a cluster, from `recorded_at` until `superseded_at` (NULL: the current one). Each
-- keeps who wrote it, why, the rule verdict and any written justification, and the province as it was
-- when it was written (`province_at_id`: a former province for versions before the 2025 merger).
CREATE TABLE registry.cluster_versions (
  cluster_id             uuid NOT NULL,
  version                integer NOT NULL CHECK (version >= 1),
  province_id            uuid NOT NULL,
  province_at_id         uuid NOT NULL REFERENCES identity.admin_units (id),
  recorded_at            timestamptz NOT NULL,
  superseded_at          timestamptz CHECK (superseded_at >= recorded_at),
  recorded_by            uuid NOT NULL,
  action                 text NOT NULL CHECK (action IN ('proposed', 'edited', 'transition', 'imported')),
  reason                 text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  verdict                jsonb,
  justification          text CHECK (length(justification) BETWEEN 1 AND 4000),
  name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  status                 text NOT NULL CHECK (status IN ('in_plan', 'established', 'under_construction', 'operating',
                                                          'expanded', 'removed_from_plan', 'revoked')),
  commune_ids            uuid[] NOT NULL CHECK (cardinality(commune_ids) BETWEEN 1 AND 20),
  latitude               numeric(8, 6) NOT NULL CHECK (latitude BETWEEN 8 AND 24),
  longitude              numeric(9, 6) NOT NULL CHECK (longitude BETWEEN 102 AND 118),
  boundary               jsonb CHECK (boundary IS NULL OR boundary->>'type' = 'Polygon'),
  planned_area_ha        numeric(8, 4) NOT NULL CHECK (planned_area_ha > 0 AND planned_area_ha <= 75),
  industrial_area_ha     numeric(8, 4) NOT NULL CHECK (industrial_area_ha >= 0 AND industrial_area_ha <= planned_area_ha),
  leased_area_ha         numeric(8, 4) NOT NULL CHECK (leased_area_ha >= 0 AND leased_area_ha <= industrial_area_ha),
  investor_name          text CHECK (length(investor_name) BETWEEN 1 AND 300),
  investor_tax_code      text CHECK (investor_tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'),
  investor_kind          text CHECK (investor_kind IN ('state_unit', 'enterprise')),
  investor_org_id        uuid,
  registered_capital     numeric NOT NULL DEFAULT 0 CHECK (registered_capital >= 0 AND registered_capital = trunc(registered_capital)),
  realised_capital       numeric NOT NULL DEFAULT 0 CHECK (realised_capital >= 0 AND realised_capital = trunc(realised_capital)),
  wastewater_exists      boolean NOT NULL DEFAULT false,
  wastewater_capacity_m3 integer CHECK (wastewater_capacity_m3 > 0),
  wastewater_operating   boolean NOT NULL DEFAULT false,
  sectors                text[] NOT NULL DEFAULT '{}' CHECK (cardinality(sectors) <= 30),
  secondary_projects     integer NOT NULL DEFAULT 0 CHECK (secondary_projects >= 0),
  secondary_capital      numeric NOT NULL DEFAULT 0 CHECK (secondary_capital >= 0 AND secondary_capital = trunc(secondary_capital)),
  workers                integer NOT NULL DEFAULT 0 CHECK (workers >= 0),
  decisions              jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(decisions) = 'array'),
  PRIMARY KEY (cluster_id, version),
  -- One version in force at any moment.
  CONSTRAINT cluster_versions_no_overlap EXCLUDE USING gist (
    cluster_id WITH =, tstzrange(recorded_at, superseded_at) WITH &&),
  CHECK (wastewater_exists OR (NOT wastewater_operating AND wastewater_capacity_m3 IS NULL)),
  CHECK ((investor_name IS NULL) = (investor_kind IS NULL)),
  FOREIGN KEY (province_id, cluster_id) REFERENCES registry.clusters (province_id, id) ON UPDATE CASCADE
);
CREATE UNIQUE INDEX cluster_versions_current ON registry.cluster_versions (cluster_id) WHERE superseded_at IS NULL;
-- A cluster's version as of a moment: the last one recorded before it.
CREATE INDEX cluster_versions_by_time ON registry.cluster_versions (cluster_id, recorded_at);
CREATE INDEX cluster_versions_current_by_province ON registry.cluster_versions (province_id, status)
  WHERE superseded_at IS NULL;

-- Tenant enterprises of a cluster (identity organisations of its province).
CREATE TABLE registry.cluster_tenants (
  province_id      uuid NOT NULL,
  cluster_id       uuid NOT NULL,
  organisation_id  uuid NOT NULL,
  linked_by        uuid NOT NULL,
  linked_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cluster_id, organisation_id),
  FOREIGN KEY (province_id, cluster_id) REFERENCES registry.clusters (province_id, id) ON UPDATE CASCADE,
  FOREIGN KEY (province_id, organisation_id) REFERENCES identity.organisations (province_id, id) ON UPDATE CASCADE
);
CREATE INDEX cluster_tenants_by_org ON registry.cluster_tenants (organisation_id);

ALTER TABLE registry.cluster_tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.cluster_tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON registry.cluster_tenants
  USING (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id))
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
-- A cluster is its province's (and the ministry's); an enterprise sees the clusters it invests in or
-- operates in, and writes none.
ALTER TABLE registry.clusters ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.clusters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON registry.clusters
  USING (tenancy.visible(province_id) AND (
           coalesce(current_setting('app.scope', true), '') <> 'enterprise'
           OR investor_org_id = tenancy.current_org()
           OR EXISTS (SELECT 1 FROM registry.cluster_tenants t
                       WHERE t.cluster_id = clusters.id AND t.organisation_id = tenancy.current_org())))
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
ALTER TABLE registry.cluster_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.cluster_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON registry.cluster_versions
  USING (tenancy.visible(province_id) AND (
           coalesce(current_setting('app.scope', true), '') <> 'enterprise'
           OR EXISTS (SELECT 1 FROM registry.clusters c WHERE c.id = cluster_versions.cluster_id)))
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');

GRANT SELECT, INSERT, UPDATE ON registry.clusters TO kc_registry;
GRANT SELECT, INSERT ON registry.cluster_versions TO kc_registry;
GRANT UPDATE (superseded_at) ON registry.cluster_versions TO kc_registry;
GRANT SELECT, INSERT ON registry.cluster_tenants TO kc_registry;
