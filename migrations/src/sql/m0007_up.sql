-- The all-seeing 'system' scope belongs to identity's pre-authentication flows (login, refresh,
-- registration, password reset) and is honoured only for the identity service's own role: no other
-- service can reach it, even by setting app.scope by hand. 'national' (the ministry's verified
-- tokens) sees every province in every service.
CREATE OR REPLACE FUNCTION tenancy.sees_all() RETURNS boolean
  LANGUAGE sql STABLE AS $f$
    SELECT CASE coalesce(current_setting('app.scope', true), '')
             WHEN 'national' THEN true
             WHEN 'system' THEN current_user = 'kc_identity'
             ELSE false
           END
  $f$;
