-- Administrative units (province level) as dated versions with successor links. Reference data, the
-- same for every tenant: no row-level security. valid_to is exclusive; NULL means still in force.
CREATE TABLE identity.admin_units (
  id           uuid PRIMARY KEY,
  code         text NOT NULL CHECK (code ~ '^[0-9]{2}$'),
  name         text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('province', 'city')),
  region       text NOT NULL CHECK (region IN ('north', 'central', 'south')),
  valid_from   date NOT NULL,
  valid_to     date,
  successor_id uuid REFERENCES identity.admin_units (id),
  CHECK (valid_to IS NULL OR valid_to > valid_from),
  UNIQUE (code, valid_from)
);
CREATE INDEX admin_units_in_force ON identity.admin_units (valid_from, valid_to);
GRANT SELECT ON identity.admin_units TO kc_identity, kc_workflow, kc_registry, kc_notifications, kc_portal;
