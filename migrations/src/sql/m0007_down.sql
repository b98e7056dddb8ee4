CREATE OR REPLACE FUNCTION tenancy.sees_all() RETURNS boolean
  LANGUAGE sql STABLE AS $f$ SELECT coalesce(current_setting('app.scope', true), '') IN ('national', 'system') $f$;
