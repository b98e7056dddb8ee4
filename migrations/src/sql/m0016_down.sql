REVOKE SELECT ON workflow.cluster_schemes FROM kc_registry;
REVOKE USAGE ON SCHEMA workflow FROM kc_registry;
DROP VIEW workflow.cluster_schemes;
DROP INDEX workflow.schemes_by_cluster;
ALTER TABLE workflow.schemes DROP CONSTRAINT schemes_cluster_fk;
ALTER TABLE workflow.schemes DROP COLUMN cluster_id;
