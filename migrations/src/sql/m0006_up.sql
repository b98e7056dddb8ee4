-- The outbox becomes a real work queue (kc-events writes it, kc-outbox consumes it).
--
-- A row is *due* when status = 'pending' AND available_at <= now(). Claiming a row sets its lease
-- (leased_by, leased_until) and moves available_at to the end of the lease, so a leased row is not due
-- until its lease expires: a consumer that dies mid-item loses the row to the next claim without any
-- sweeper, and the claim query needs one condition and one small partial index.
--
-- A secret (a reset link) lives in its own column and is erased when the row is done or dead; the
-- CHECK below makes the database refuse a finished row that still holds one.

ALTER TABLE outbox.events RENAME COLUMN locked_until TO leased_until;
ALTER TABLE outbox.events
  -- Version of the payload's shape for this topic (kc_events::Event::VERSION).
  ADD COLUMN version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  -- De-duplication key, unique per producer and topic (NULL: no de-duplication, as kc_db::enqueue writes).
  ADD COLUMN dedup_key    text,
  -- How many attempts this row gets. NULL until the first claim, which fills in the consumer's default.
  ADD COLUMN max_attempts integer CHECK (max_attempts >= 1),
  -- Which consumer instance holds the lease (together with leased_until).
  ADD COLUMN leased_by    text,
  ADD COLUMN delivered_at timestamptz,
  -- What must not outlive delivery (a reset link): erased when the row is done or dead.
  ADD COLUMN secret       jsonb,
  ADD CONSTRAINT events_attempts_not_negative CHECK (attempts >= 0),
  ADD CONSTRAINT events_secret_erased CHECK (status = 'pending' OR secret IS NULL),
  -- NOT VALID: rows written before this migration are not checked, every later write is.
  ADD CONSTRAINT events_delivered_iff_done CHECK ((status = 'done') = (delivered_at IS NOT NULL)) NOT VALID,
  ADD CONSTRAINT events_lease_whole CHECK ((leased_by IS NULL) = (leased_until IS NULL)) NOT VALID;

-- ON CONFLICT DO NOTHING in kc_events::enqueue relies on this (NULL keys never conflict).
CREATE UNIQUE INDEX outbox_events_dedup ON outbox.events (producer, topic, dedup_key);

-- The claim: WHERE status = 'pending' AND available_at <= now() ORDER BY available_at, id LIMIT n.
DROP INDEX outbox.outbox_events_pending;
CREATE INDEX outbox_events_due ON outbox.events (available_at, id) WHERE status = 'pending';
-- The admins' list of dead rows.
CREATE INDEX outbox_events_dead ON outbox.events (id) WHERE status = 'dead';

-- The outbox consumer's own login role (the notifications worker). Roles are cluster-wide: created only
-- when missing, left in place by `down`, as m0001 does for the service roles.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kc_notifications_worker') THEN
    BEGIN
      CREATE ROLE kc_notifications_worker LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created at the same instant by a migration of another database of this cluster
    END;
  END IF;
END $$;

-- It reads every row and updates only the queue's bookkeeping columns; it never inserts or deletes.
GRANT USAGE ON SCHEMA outbox TO kc_notifications_worker;
GRANT SELECT ON outbox.events TO kc_notifications_worker;
GRANT UPDATE (status, attempts, max_attempts, available_at, leased_until, leased_by, delivered_at,
              last_error, secret)
  ON outbox.events TO kc_notifications_worker;
-- The consumer serves the whole country: every province's rows and the national ones, with no tenant
-- settings. Permissive policies are OR-ed, so the table's `tenant` policy (TO PUBLIC) still applies to
-- this role too, and PostgreSQL may evaluate it: tenancy.visible() is an SQL function whose body is
-- parsed as the calling role, which therefore needs USAGE on the tenancy schema (functions only, no data).
CREATE POLICY worker_all_provinces ON outbox.events TO kc_notifications_worker
  USING (true) WITH CHECK (true);
GRANT USAGE ON SCHEMA tenancy TO kc_notifications_worker;
