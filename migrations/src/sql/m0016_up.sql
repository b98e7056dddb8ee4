-- A scheme may support an industrial cluster (its infrastructure, or its tenants): the cluster of the
-- scheme's own province. The registry reads the schemes that support its clusters through a view (never
-- the workflow's tables): the view runs as its owner, on whom row-level security of the schemes is
-- forced, so the registry's caller sees only what its tenant may.
ALTER TABLE workflow.schemes ADD COLUMN cluster_id uuid;
ALTER TABLE workflow.schemes ADD CONSTRAINT schemes_cluster_fk
  FOREIGN KEY (province_id, cluster_id) REFERENCES registry.clusters (province_id, id) ON UPDATE CASCADE;
CREATE INDEX schemes_by_cluster ON workflow.schemes (cluster_id) WHERE cluster_id IS NOT NULL;

CREATE VIEW workflow.cluster_schemes AS
  SELECT s.cluster_id, s.id AS scheme_id, s.province_id, s.fund, s.plan_year, s.activity_code, s.title,
         s.status, s.support_requested, s.support_approved, s.updated_at
    FROM workflow.schemes s
   WHERE s.cluster_id IS NOT NULL;
GRANT USAGE ON SCHEMA workflow TO kc_registry;
GRANT SELECT ON workflow.cluster_schemes TO kc_registry;
