-- Disabling takes effect at the next request, in every service, with no extra round trip: the
-- statement that opens a caller's request transaction (kc_db::Tx) is tenancy.enter, which sets the
-- tenant and, in the same call, refuses (SQLSTATE 28000, answered 401) a caller whose account or
-- organisation is no longer active, or whose token belongs to an earlier session generation: every
-- token carries the account's session_version of its issue (claim `sv`), and a password change,
-- "log out everywhere" or a disabling increments it, exactly (no clock granularity).
ALTER TABLE identity.users ADD COLUMN session_version integer NOT NULL DEFAULT 0;

CREATE FUNCTION tenancy.enter(p_scope text, p_province uuid, p_org uuid, p_user uuid, p_session integer)
  RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
  ok boolean;
BEGIN
  IF p_scope IS NULL OR p_scope NOT IN ('national', 'province', 'enterprise') OR p_user IS NULL THEN
    RAISE EXCEPTION 'not a caller''s scope' USING ERRCODE = '28000';
  END IF;
  PERFORM set_config('app.scope', p_scope, true),
          set_config('app.province', coalesce(p_province::text, ''), true),
          set_config('app.org', coalesce(p_org::text, ''), true),
          set_config('app.user', p_user::text, true);
  -- Read under the caller's own tenant (row-level security applies to this function's owner too):
  -- the caller's user row is always in its own scope.
  SELECT u.status = 'active' AND o.status = 'active'
         AND u.session_version = p_session
    INTO ok
    FROM identity.users u JOIN identity.organisations o ON o.id = u.organisation_id
   WHERE u.id = p_user;
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION 'the caller''s account is not active or the token was revoked' USING ERRCODE = '28000';
  END IF;
END $f$;
REVOKE ALL ON FUNCTION tenancy.enter(text, uuid, uuid, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.enter(text, uuid, uuid, uuid, integer)
  TO kc_identity, kc_workflow, kc_registry, kc_notifications;
