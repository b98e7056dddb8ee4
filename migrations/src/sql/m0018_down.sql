DROP INDEX notifications.obligations_owed_by_subject;
DROP TABLE notifications.feeds;
ALTER TABLE notifications.duties DISABLE ROW LEVEL SECURITY;
DELETE FROM notifications.duties WHERE code IN ('application_handling', 'application_resubmission')
   AND NOT EXISTS (SELECT FROM notifications.obligations o WHERE o.duty_code = notifications.duties.code);
ALTER TABLE notifications.duties ENABLE ROW LEVEL SECURITY;
