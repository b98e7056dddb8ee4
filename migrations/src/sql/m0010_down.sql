DROP TABLE workflow.application_versions;
DROP TABLE workflow.applications;
DROP TABLE workflow.envelopes;
DROP TABLE workflow.rules;
DROP FUNCTION tenancy.entered();
-- btree_gist stays: other objects may use it, and it holds no data.
