-- The audit trail: append-only. Service roles may insert and read, never update or delete, and a
-- trigger refuses UPDATE, DELETE and TRUNCATE even for the owner.
CREATE TABLE audit.events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  service       text NOT NULL,
  actor_user_id uuid,
  actor_email   text,
  province_id   uuid,
  client_addr   text,
  request_id    text,
  action        text NOT NULL,
  entity_type   text NOT NULL,
  entity_id     text,
  before        jsonb,
  after         jsonb
);
CREATE INDEX audit_events_by_province ON audit.events (province_id, at);
CREATE INDEX audit_events_by_entity ON audit.events (entity_type, entity_id);

CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'audit.events is append-only';
END $f$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON audit.events
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

ALTER TABLE audit.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit.events FORCE ROW LEVEL SECURITY;
CREATE POLICY read_tenant ON audit.events FOR SELECT USING (tenancy.visible(province_id));
CREATE POLICY write_tenant ON audit.events FOR INSERT
  WITH CHECK (tenancy.sees_all() OR province_id = tenancy.current_province());
GRANT SELECT, INSERT ON audit.events TO kc_identity, kc_workflow, kc_registry, kc_notifications;

-- The transactional outbox: a service writes its event in the same transaction as the change; the
-- notifications service claims work with FOR UPDATE SKIP LOCKED, retries with backoff, and marks
-- events dead after too many attempts.
CREATE TABLE outbox.events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at    timestamptz NOT NULL DEFAULT now(),
  producer      text NOT NULL,
  topic         text NOT NULL,
  province_id   uuid,
  payload       jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
  attempts      integer NOT NULL DEFAULT 0,
  available_at  timestamptz NOT NULL DEFAULT now(),
  locked_until  timestamptz,
  last_error    text
);
CREATE INDEX outbox_events_pending ON outbox.events (available_at) WHERE status = 'pending';
ALTER TABLE outbox.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox.events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON outbox.events USING (tenancy.visible(province_id)) WITH CHECK (tenancy.visible(province_id));
GRANT INSERT ON outbox.events TO kc_identity, kc_workflow, kc_registry;
GRANT SELECT, INSERT, UPDATE ON outbox.events TO kc_notifications;
