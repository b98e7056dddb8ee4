-- Organisations, users and their credentials. Tenant tables: province_id is the tenant (NULL only for
-- the ministry's national organisation and its users), row-level security is enabled and forced.
CREATE TABLE identity.organisations (
  id                      uuid PRIMARY KEY,
  province_id             uuid REFERENCES identity.admin_units (id),
  kind                    text NOT NULL CHECK (kind IN ('ministry', 'department', 'centre', 'enterprise')),
  name                    text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  tax_code                text CHECK (tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'),
  enterprise_kind         text CHECK (enterprise_kind IN ('company', 'cooperative', 'household_business', 'cooperative_group')),
  commune                 text CHECK (length(commune) <= 200),
  address                 text CHECK (length(address) <= 500),
  woman_owned             boolean NOT NULL DEFAULT false,
  ethnic_minority_owned   boolean NOT NULL DEFAULT false,
  status                  text NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'rejected', 'disabled')),
  status_reason           text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'ministry') = (province_id IS NULL)),
  CHECK ((kind = 'enterprise') = (tax_code IS NOT NULL AND enterprise_kind IS NOT NULL)),
  UNIQUE (province_id, id)
);
-- A rejected registration does not hold its tax code or e-mail: the real enterprise can still register.
CREATE UNIQUE INDEX organisations_tax_code ON identity.organisations (tax_code)
  WHERE tax_code IS NOT NULL AND status <> 'rejected';
CREATE UNIQUE INDEX organisations_one_department ON identity.organisations (province_id) WHERE kind = 'department';
CREATE UNIQUE INDEX organisations_one_centre ON identity.organisations (province_id) WHERE kind = 'centre';
CREATE INDEX organisations_by_province ON identity.organisations (province_id, kind, status);

CREATE TABLE identity.users (
  id               uuid PRIMARY KEY,
  province_id      uuid REFERENCES identity.admin_units (id),
  organisation_id  uuid NOT NULL,
  email            text NOT NULL CHECK (length(email) <= 254 AND email = lower(email)),
  full_name        text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
  phone            text CHECK (length(phone) <= 30),
  role             text NOT NULL CHECK (role IN ('ministry', 'province', 'centre', 'enterprise')),
  permissions      text[] NOT NULL DEFAULT '{}'
                   CHECK (permissions <@ ARRAY['officer', 'approver', 'viewer', 'admin']),
  password_hash    text NOT NULL,
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'rejected', 'disabled')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'ministry') = (province_id IS NULL)),
  FOREIGN KEY (province_id, organisation_id) REFERENCES identity.organisations (province_id, id),
  UNIQUE (province_id, id)
);
-- A user belongs to the province of its organisation and has the role of its organisation's kind
-- (the composite foreign key above does not bind when province_id is NULL, as for the ministry).
CREATE FUNCTION identity.check_user_organisation() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  org_province uuid;
  expected_role text;
BEGIN
  SELECT province_id,
         CASE kind WHEN 'ministry' THEN 'ministry' WHEN 'department' THEN 'province'
                   WHEN 'centre' THEN 'centre' ELSE 'enterprise' END
    INTO org_province, expected_role
    FROM identity.organisations WHERE id = NEW.organisation_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'organisation % not found', NEW.organisation_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF org_province IS DISTINCT FROM NEW.province_id OR NEW.role <> expected_role THEN
    RAISE EXCEPTION 'user province or role does not match organisation %', NEW.organisation_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $f$;
CREATE TRIGGER user_matches_organisation BEFORE INSERT OR UPDATE OF organisation_id, province_id, role
  ON identity.users FOR EACH ROW EXECUTE FUNCTION identity.check_user_organisation();

CREATE UNIQUE INDEX users_email ON identity.users (lower(email)) WHERE status <> 'rejected';
CREATE INDEX users_by_org ON identity.users (province_id, organisation_id);

-- Opaque refresh tokens, stored as SHA-256 hashes, rotated on every use. A family is one login;
-- presenting a rotated token revokes the whole family.
CREATE TABLE identity.refresh_tokens (
  id            uuid PRIMARY KEY,
  family_id     uuid NOT NULL,
  user_id       uuid NOT NULL REFERENCES identity.users (id),
  province_id   uuid REFERENCES identity.admin_units (id),
  token_hash    bytea NOT NULL UNIQUE,
  issued_at     timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  rotated_at    timestamptz,
  revoked_at    timestamptz,
  revoke_reason text
);
CREATE INDEX refresh_tokens_family ON identity.refresh_tokens (family_id);

-- Single-use password reset tokens (hash only).
CREATE TABLE identity.password_resets (
  id           uuid PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES identity.users (id),
  province_id  uuid REFERENCES identity.admin_units (id),
  token_hash   bytea NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);

-- Failed-login counters, one row per subject: 'account:<e-mail>' (whether or not the account exists,
-- so a lock does not reveal which e-mails have accounts) and 'addr:<client address>'. Not tenant data.
CREATE TABLE identity.login_throttle (
  subject       text PRIMARY KEY CHECK (length(subject) <= 300),
  -- wrong passwords (or, for other actions, actions) in the current window
  failures      integer NOT NULL DEFAULT 0,
  -- attempts in flight: counted before the password is checked, so parallel guesses cannot pass the limit
  pending       integer NOT NULL DEFAULT 0,
  window_start  timestamptz NOT NULL DEFAULT now(),
  locked_until  timestamptz
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['organisations', 'users', 'refresh_tokens', 'password_resets'] LOOP
    EXECUTE format('ALTER TABLE identity.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE identity.%I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
-- The province is the tenant; an enterprise further sees only its own organisation and its users.
CREATE POLICY tenant ON identity.organisations
  USING (tenancy.visible(province_id) AND tenancy.org_visible(id))
  WITH CHECK (tenancy.visible(province_id) AND tenancy.org_visible(id));
CREATE POLICY tenant ON identity.users
  USING (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id))
  WITH CHECK (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id));
CREATE POLICY tenant ON identity.refresh_tokens
  USING (tenancy.visible(province_id)) WITH CHECK (tenancy.visible(province_id));
CREATE POLICY tenant ON identity.password_resets
  USING (tenancy.visible(province_id)) WITH CHECK (tenancy.visible(province_id));

GRANT SELECT, INSERT, UPDATE ON identity.organisations, identity.users, identity.refresh_tokens, identity.password_resets TO kc_identity;
GRANT SELECT, INSERT, UPDATE, DELETE ON identity.login_throttle TO kc_identity;
-- Other services read organisations (names, kinds) under their own tenant scope.
GRANT SELECT ON identity.organisations TO kc_workflow, kc_registry, kc_notifications;
