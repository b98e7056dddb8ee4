DROP FUNCTION tenancy.enter(text, uuid, uuid, uuid, integer);
ALTER TABLE identity.users DROP COLUMN session_version;
