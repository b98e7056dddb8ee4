-- Service login roles: not superuser, not BYPASSRLS, not owner of anything. Roles are cluster-wide,
-- so they are created only when missing and are left in place by `down` (other databases of the same
-- cluster may use them); `down` removes everything this database granted them.
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['kc_identity','kc_workflow','kc_registry','kc_notifications','kc_portal'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- created at the same instant by a migration of another database of this cluster
      END;
    END IF;
  END LOOP;
END $$;

CREATE SCHEMA tenancy;
CREATE SCHEMA identity;
CREATE SCHEMA workflow;
CREATE SCHEMA registry;
CREATE SCHEMA notifications;
CREATE SCHEMA audit;
CREATE SCHEMA outbox;

-- The tenant of the current transaction, set by kc_db::begin with set_config(..., true).
-- After a transaction the setting reads '' (not NULL): NULLIF makes "unset" fail closed.
CREATE FUNCTION tenancy.current_province() RETURNS uuid
  LANGUAGE sql STABLE AS $f$ SELECT NULLIF(current_setting('app.province', true), '')::uuid $f$;
CREATE FUNCTION tenancy.current_org() RETURNS uuid
  LANGUAGE sql STABLE AS $f$ SELECT NULLIF(current_setting('app.org', true), '')::uuid $f$;
-- National scope (the ministry) and the identity service's pre-authentication flows see every province.
CREATE FUNCTION tenancy.sees_all() RETURNS boolean
  LANGUAGE sql STABLE AS $f$ SELECT coalesce(current_setting('app.scope', true), '') IN ('national', 'system') $f$;
-- May the current transaction see a row of this province (NULL = a national row)?
CREATE FUNCTION tenancy.visible(p uuid) RETURNS boolean
  LANGUAGE sql STABLE AS $f$ SELECT tenancy.sees_all() OR (p IS NOT NULL AND p = tenancy.current_province()) $f$;

-- In enterprise scope a transaction sees only its own organisation's rows.
CREATE FUNCTION tenancy.org_visible(org uuid) RETURNS boolean
  LANGUAGE sql STABLE AS $f$
    SELECT coalesce(current_setting('app.scope', true), '') <> 'enterprise'
        OR (org IS NOT NULL AND org = tenancy.current_org())
  $f$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA tenancy TO kc_identity, kc_workflow, kc_registry, kc_notifications, kc_portal;
GRANT USAGE ON SCHEMA identity TO kc_identity, kc_workflow, kc_registry, kc_notifications, kc_portal;
GRANT USAGE ON SCHEMA workflow TO kc_workflow;
GRANT USAGE ON SCHEMA registry TO kc_registry;
GRANT USAGE ON SCHEMA notifications TO kc_notifications;
GRANT USAGE ON SCHEMA audit TO kc_identity, kc_workflow, kc_registry, kc_notifications;
GRANT USAGE ON SCHEMA outbox TO kc_identity, kc_workflow, kc_registry, kc_notifications;
