DROP TABLE registry.province_reports;
DROP TABLE registry.cluster_reports;
ALTER TABLE registry.rules DISABLE ROW LEVEL SECURITY;
DELETE FROM registry.rules WHERE key IN ('half_year_report', 'annual_report');
ALTER TABLE registry.rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.rules DROP CONSTRAINT rules_key_check;
ALTER TABLE registry.rules ADD CONSTRAINT rules_key_check
  CHECK (key IN ('cluster_size', 'new_cluster', 'expansion', 'infrastructure_support'));
