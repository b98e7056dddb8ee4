-- The role stays (cluster-wide, as in m0001); everything this database granted it goes.
DROP POLICY worker_all_provinces ON outbox.events;
REVOKE ALL ON outbox.events FROM kc_notifications_worker;
REVOKE ALL ON SCHEMA outbox FROM kc_notifications_worker;
REVOKE ALL ON SCHEMA tenancy FROM kc_notifications_worker;

DROP INDEX outbox.outbox_events_dead;
DROP INDEX outbox.outbox_events_due;
CREATE INDEX outbox_events_pending ON outbox.events (available_at) WHERE status = 'pending';
DROP INDEX outbox.outbox_events_dedup;

ALTER TABLE outbox.events
  DROP CONSTRAINT events_lease_whole,
  DROP CONSTRAINT events_delivered_iff_done,
  DROP CONSTRAINT events_secret_erased,
  DROP CONSTRAINT events_attempts_not_negative,
  DROP COLUMN secret,
  DROP COLUMN delivered_at,
  DROP COLUMN leased_by,
  DROP COLUMN max_attempts,
  DROP COLUMN dedup_key,
  DROP COLUMN version;
ALTER TABLE outbox.events RENAME COLUMN leased_until TO locked_until;
