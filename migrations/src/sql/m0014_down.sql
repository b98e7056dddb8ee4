DROP TABLE registry.cluster_versions;
DROP POLICY tenant ON registry.clusters;
DROP TABLE registry.cluster_tenants;
DROP TABLE registry.clusters;
DROP TABLE registry.rules;
DROP TABLE registry.communes;
