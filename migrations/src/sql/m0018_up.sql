-- Notifications, second part: the administration's own time limits on an enterprise's application as
-- duties (DOMAIN.md §7: "the applicant can see them"), and each user's private calendar feed.

-- The time limit of an application's stage is workflow's rule (`workflow.rules`, kind stage_limit):
-- workflow announces each transition with the new stage's last day and who holds the application, and
-- the notifications service opens that holder's obligation with this due date (`after_days` 0: the
-- day the event gives). The centre's is owed to the applicant, who sees it; the applicant's (a returned
-- application to complete) is its own. The next transition closes it.
ALTER TABLE notifications.duties DISABLE ROW LEVEL SECURITY;
INSERT INTO notifications.duties (id, code, valid_from, title, reporter, recipient, opened_by, data_window,
                                  after_event, after_days, to_working_day, offsets, escalation, legal_basis) VALUES
  (gen_random_uuid(), 'application_handling', DATE '2018-01-01',
   'Xử lý hồ sơ đề nghị hỗ trợ khuyến công trong thời hạn', 'centre', 'enterprise', 'event',
   'Bước xử lý hiện tại của hồ sơ (tiếp nhận, xem xét)', 'workflow.application_transitioned', 0, false,
   '{-2,0,1}', '[{"after_days": 1, "to": "department"}]',
   'Thời hạn từng bước theo quy định của Bộ Công Thương (workflow: stage_limit)'),
  (gen_random_uuid(), 'application_resubmission', DATE '2018-01-01',
   'Bổ sung và nộp lại hồ sơ đề nghị hỗ trợ bị trả lại', 'enterprise', 'centre', 'event',
   'Các nội dung Trung tâm yêu cầu bổ sung', 'workflow.application_transitioned', 0, false,
   '{-7,-1,0}', '[{"after_days": 1, "to": "centre"}]',
   'Thời hạn từng bước theo quy định của Bộ Công Thương (workflow: stage_limit)');
ALTER TABLE notifications.duties ENABLE ROW LEVEL SECURITY;

-- A calendar feed: one private address per user (an .ics that Outlook, Thunderbird and Google Calendar
-- subscribe to) listing the duties the user's organisation owes or is owed. Only the SHA-256 of the
-- address's secret is kept. A calendar client sends no token, so the feed keeps the role, province and
-- organisation (the tenant) the user had when making it; reading it enters that tenant as the user (`tenancy.enter`), which refuses once the
-- account or its organisation is disabled or a new session generation began (log out everywhere,
-- password reset). Making a new address replaces the old one; deleting it revokes it.
CREATE TABLE notifications.feeds (
  user_id          uuid PRIMARY KEY,
  token_hash       bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  role             text NOT NULL CHECK (role IN ('ministry', 'province', 'centre', 'enterprise')),
  province_id      uuid REFERENCES identity.admin_units (id),
  organisation_id  uuid NOT NULL,
  session_version  integer NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_read_at     timestamptz,
  CHECK ((role = 'ministry') = (province_id IS NULL))
);
ALTER TABLE notifications.feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.feeds FORCE ROW LEVEL SECURITY;
-- A user manages their own feed; a calendar client's request sees the one feed whose secret it holds
-- (`app.secret`: the hex SHA-256 of the secret in the address, set by the feed route in a transaction
-- with no tenant).
CREATE POLICY own_feed ON notifications.feeds
  USING (user_id = NULLIF(current_setting('app.user', true), '')::uuid)
  WITH CHECK (user_id = NULLIF(current_setting('app.user', true), '')::uuid);
CREATE POLICY by_secret ON notifications.feeds FOR SELECT
  USING (token_hash = decode(NULLIF(current_setting('app.secret', true), ''), 'hex'));
GRANT SELECT, INSERT, UPDATE, DELETE ON notifications.feeds TO kc_notifications;

-- The obligations still owed about one subject (an application's stage, closed by its next transition).
CREATE INDEX obligations_owed_by_subject ON notifications.obligations (subject_id)
  WHERE subject_id IS NOT NULL AND state IN ('open', 'overdue');
