-- The reminder scheduler's passes, one row per day passed for: how many passes ran for it, when the
-- last one finished and what they did in all. Shown with the clock to the ministry (the counts are
-- the nation's), so that an administrator, a monitor or a test that moved the clock sees that the
-- reminders for a day have gone out.
CREATE TABLE notifications.scheduler_passes (
  day          date PRIMARY KEY,
  passes       bigint NOT NULL CHECK (passes >= 1),
  finished_at  timestamptz NOT NULL,
  opened       bigint NOT NULL CHECK (opened >= 0),
  overdue      bigint NOT NULL CHECK (overdue >= 0),
  stepped      bigint NOT NULL CHECK (stepped >= 0),
  notices      bigint NOT NULL CHECK (notices >= 0),
  emails       bigint NOT NULL CHECK (emails >= 0)
);
ALTER TABLE notifications.scheduler_passes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.scheduler_passes FORCE ROW LEVEL SECURITY;
CREATE POLICY read_passes ON notifications.scheduler_passes FOR SELECT USING (tenancy.sees_all());
GRANT SELECT ON notifications.scheduler_passes TO kc_notifications;
GRANT SELECT, INSERT, UPDATE ON notifications.scheduler_passes TO kc_notifications_worker;
CREATE POLICY worker_all ON notifications.scheduler_passes TO kc_notifications_worker
  USING (true) WITH CHECK (true);
