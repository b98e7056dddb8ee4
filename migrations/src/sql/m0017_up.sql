-- Notifications (DOMAIN.md §7): reporting duties as dated rules, the official calendar of holidays and
-- make-up working days, obligations (a duty owed by one organisation for one period), and in-app
-- notices. The service's API role (kc_notifications) works under the caller's tenant; the worker role
-- (kc_notifications_worker) opens and closes obligations from other services' events and runs the
-- reminder scheduler for the whole country, with no tenant settings.

-- Duties: who reports what to whom, by when, with its reminders and escalation, as dated versions
-- (national, or a province's own version that sets its own reminder offsets). `valid_to` is inclusive.
-- The due date is a fixed day of the year (`due_month`, `due_day`, in the period's year plus
-- `due_year_offset`), or `after_days` after an event (`after_event`). `offsets` are days from the due
-- date (-14: two weeks before; 0: the day; 7: a week after) on which the party is reminded;
-- `escalation` lists [{"after_days": n, "to": "centre" | "department"}]: who is told, n days after the
-- due date, that the duty is still owed (the ministry reads a daily digest of every overdue duty).
CREATE TABLE notifications.duties (
  id                    uuid PRIMARY KEY,
  code                  text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,63}$'),
  province_id           uuid REFERENCES identity.admin_units (id),
  valid_from            date NOT NULL,
  valid_to              date CHECK (valid_to >= valid_from),
  title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  reporter              text NOT NULL CHECK (reporter IN ('enterprise', 'centre', 'department', 'ministry')),
  recipient             text NOT NULL CHECK (recipient IN ('enterprise', 'centre', 'department', 'ministry')),
  opened_by             text NOT NULL CHECK (opened_by IN ('calendar', 'event')),
  data_window           text NOT NULL CHECK (length(data_window) BETWEEN 1 AND 300),
  due_month             integer CHECK (due_month BETWEEN 1 AND 12),
  due_day               integer CHECK (due_day BETWEEN 1 AND 31),
  due_year_offset       integer NOT NULL DEFAULT 0 CHECK (due_year_offset BETWEEN 0 AND 1),
  after_event           text CHECK (after_event ~ '^[a-z][a-z0-9_.]{0,63}$'),
  after_days            integer CHECK (after_days BETWEEN 0 AND 366),
  to_working_day        boolean NOT NULL DEFAULT true,
  offsets               integer[] NOT NULL CHECK (cardinality(offsets) BETWEEN 1 AND 20
                                                  AND -90 <= ALL (offsets) AND 90 >= ALL (offsets)),
  escalation            jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(escalation) = 'array'),
  legal_basis           text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
  created_by            uuid,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK ((due_month IS NOT NULL AND due_day IS NOT NULL AND after_event IS NULL AND after_days IS NULL)
      OR (due_month IS NULL AND due_day IS NULL AND after_event IS NOT NULL AND after_days IS NOT NULL)),
  CONSTRAINT duties_no_overlap EXCLUDE USING gist (
    code WITH =, (coalesce(province_id, '00000000-0000-0000-0000-000000000000'::uuid)) WITH =,
    daterange(valid_from, valid_to, '[]') WITH &&)
);
INSERT INTO notifications.duties (id, code, valid_from, title, reporter, recipient, opened_by, data_window,
                                  due_month, due_day, due_year_offset, after_event, after_days, offsets,
                                  escalation, legal_basis) VALUES
  (gen_random_uuid(), 'plan_registration', DATE '2018-01-01',
   'Đăng ký kế hoạch khuyến công năm sau với Sở Công Thương', 'centre', 'department', 'calendar',
   'Các đề án dự kiến thực hiện năm sau', 5, 20, 0, NULL, NULL, '{-14,-7,-1,0,1,7}',
   '[{"after_days": 1, "to": "department"}]',
   'Thông tư 36/2013/TT-BCT, sửa đổi bởi Thông tư 17/2018/TT-BCT'),
  (gen_random_uuid(), 'province_registration', DATE '2018-01-01',
   'Gửi đăng ký kế hoạch khuyến công quốc gia của tỉnh về Bộ Công Thương', 'department', 'ministry', 'calendar',
   'Các đề án đã thẩm định cấp cơ sở cho năm sau', 6, 20, 0, NULL, NULL, '{-14,-7,-1,0,1,7}', '[]',
   'Thông tư 36/2013/TT-BCT, sửa đổi bởi Thông tư 17/2018/TT-BCT'),
  (gen_random_uuid(), 'ccn_half_year_report', DATE '2024-05-01',
   'Báo cáo tình hình cụm công nghiệp 6 tháng đầu năm', 'enterprise', 'department', 'event',
   'Từ 01/01 đến 15/6 năm báo cáo', 6, 20, 0, NULL, NULL, '{-14,-7,-1,0,1,7}',
   '[{"after_days": 1, "to": "centre"}, {"after_days": 7, "to": "department"}]',
   'Nghị định 32/2024/NĐ-CP về quản lý, phát triển cụm công nghiệp'),
  (gen_random_uuid(), 'ccn_annual_report', DATE '2024-05-01',
   'Báo cáo tình hình cụm công nghiệp cả năm', 'enterprise', 'department', 'event',
   'Từ 16/12 năm trước đến 15/12 năm báo cáo', 12, 20, 0, NULL, NULL, '{-14,-7,-1,0,1,7}',
   '[{"after_days": 1, "to": "centre"}, {"after_days": 7, "to": "department"}]',
   'Nghị định 32/2024/NĐ-CP về quản lý, phát triển cụm công nghiệp'),
  (gen_random_uuid(), 'settlement_dossier', DATE '2018-01-01',
   'Nộp hồ sơ quyết toán đề án sau nghiệm thu', 'centre', 'department', 'event',
   'Hồ sơ quyết toán của đề án đã nghiệm thu', NULL, NULL, 0, 'acceptance_recorded', 15, '{-7,-1,0,1,7}',
   '[{"after_days": 1, "to": "department"}]',
   'Thông tư 36/2013/TT-BCT, sửa đổi bởi Thông tư 17/2018/TT-BCT (15 ngày sau nghiệm thu)'),
  (gen_random_uuid(), 'national_settlement', DATE '2018-01-01',
   'Thanh lý hợp đồng và quyết toán đề án khuyến công quốc gia', 'centre', 'ministry', 'event',
   'Kinh phí khuyến công quốc gia của năm kế hoạch', 1, 22, 1, NULL, NULL, '{-14,-7,-1,0,1,7}',
   '[{"after_days": 1, "to": "department"}]',
   'Thông tư 36/2013/TT-BCT, sửa đổi bởi Thông tư 17/2018/TT-BCT (trước 22/01 năm sau)'),
  (gen_random_uuid(), 'extension_half_year_report', DATE '2018-01-01',
   'Báo cáo hoạt động khuyến công 6 tháng', 'department', 'ministry', 'calendar',
   'Từ 01/01 đến 30/6 năm báo cáo', 7, 15, 0, NULL, NULL, '{-14,-7,-1,0,1,7}', '[]',
   'Chưa có quy định cụ thể; Bộ Công Thương ấn định (the ministry sets this date)'),
  (gen_random_uuid(), 'extension_annual_report', DATE '2018-01-01',
   'Báo cáo hoạt động khuyến công năm', 'department', 'ministry', 'calendar',
   'Từ 01/01 đến 31/12 năm báo cáo', 1, 15, 1, NULL, NULL, '{-14,-7,-1,0,1,7}', '[]',
   'Chưa có quy định cụ thể; Bộ Công Thương ấn định (the ministry sets this date)');
ALTER TABLE notifications.duties ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.duties FORCE ROW LEVEL SECURITY;
CREATE POLICY read_duties ON notifications.duties FOR SELECT
  USING (tenancy.entered() AND (province_id IS NULL OR tenancy.visible(province_id)));
CREATE POLICY write_duties ON notifications.duties FOR INSERT WITH CHECK (tenancy.visible(province_id));
CREATE POLICY change_duties ON notifications.duties FOR UPDATE
  USING (tenancy.visible(province_id)) WITH CHECK (tenancy.visible(province_id));
GRANT SELECT, INSERT ON notifications.duties TO kc_notifications;
GRANT UPDATE (valid_to, updated_at) ON notifications.duties TO kc_notifications;

-- The official calendar: days that are not what their weekday says. A holiday is a day off (also a
-- day off in place of a holiday falling on a weekend); a working day is a Saturday or Sunday worked in
-- exchange (làm bù). The ministry edits it year by year as the government announces it.
CREATE TABLE notifications.calendar_days (
  day         date PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('holiday', 'working_day')),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'holiday' OR extract(isodow FROM day) >= 6)
);
INSERT INTO notifications.calendar_days (day, kind, name) VALUES
  ('2025-01-01', 'holiday', 'Tết Dương lịch'),
  ('2025-01-25', 'holiday', 'Tết Nguyên đán'), ('2025-01-26', 'holiday', 'Tết Nguyên đán'),
  ('2025-01-27', 'holiday', 'Tết Nguyên đán'), ('2025-01-28', 'holiday', 'Tết Nguyên đán'),
  ('2025-01-29', 'holiday', 'Tết Nguyên đán'), ('2025-01-30', 'holiday', 'Tết Nguyên đán'),
  ('2025-01-31', 'holiday', 'Tết Nguyên đán'), ('2025-02-01', 'holiday', 'Tết Nguyên đán'),
  ('2025-02-02', 'holiday', 'Tết Nguyên đán'),
  ('2025-04-07', 'holiday', 'Giỗ Tổ Hùng Vương'),
  ('2025-04-30', 'holiday', 'Ngày Giải phóng miền Nam, thống nhất đất nước'),
  ('2025-05-01', 'holiday', 'Ngày Quốc tế Lao động'),
  ('2025-05-02', 'holiday', 'Nghỉ hoán đổi (làm bù thứ Bảy 26/4)'),
  ('2025-04-26', 'working_day', 'Làm bù cho ngày nghỉ 02/5'),
  ('2025-09-01', 'holiday', 'Quốc khánh'), ('2025-09-02', 'holiday', 'Quốc khánh'),
  ('2026-01-01', 'holiday', 'Tết Dương lịch'),
  ('2026-02-16', 'holiday', 'Tết Nguyên đán'), ('2026-02-17', 'holiday', 'Tết Nguyên đán'),
  ('2026-02-18', 'holiday', 'Tết Nguyên đán'), ('2026-02-19', 'holiday', 'Tết Nguyên đán'),
  ('2026-02-20', 'holiday', 'Tết Nguyên đán'),
  ('2026-04-27', 'holiday', 'Nghỉ bù Giỗ Tổ Hùng Vương (26/4 là Chủ nhật)'),
  ('2026-04-30', 'holiday', 'Ngày Giải phóng miền Nam, thống nhất đất nước'),
  ('2026-05-01', 'holiday', 'Ngày Quốc tế Lao động'),
  ('2026-09-01', 'holiday', 'Quốc khánh'), ('2026-09-02', 'holiday', 'Quốc khánh'),
  ('2027-01-01', 'holiday', 'Tết Dương lịch');
ALTER TABLE notifications.calendar_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.calendar_days FORCE ROW LEVEL SECURITY;
CREATE POLICY read_days ON notifications.calendar_days FOR SELECT USING (tenancy.entered());
CREATE POLICY write_days ON notifications.calendar_days FOR ALL
  USING (tenancy.sees_all()) WITH CHECK (tenancy.sees_all());
GRANT SELECT, INSERT, UPDATE, DELETE ON notifications.calendar_days TO kc_notifications;

-- The working day a deadline falling on `d` moves to (Civil Code 2015, Art. 148): `d` itself when it is
-- a working day, else the next one. Invoker's rights: row-level security of the calendar applies.
CREATE FUNCTION notifications.working_day(d date) RETURNS date LANGUAGE plpgsql STABLE AS $f$
DECLARE
  x date := d;
  k text;
BEGIN
  FOR i IN 1..60 LOOP
    SELECT kind INTO k FROM notifications.calendar_days WHERE day = x;
    IF k = 'working_day' OR (k IS NULL AND extract(isodow FROM x) < 6) THEN
      RETURN x;
    END IF;
    x := x + 1;
  END LOOP;
  RETURN x;
END $f$;

-- The days, relative to a due date, on which someone is told about an obligation of a duty with these
-- offsets and escalation steps: the party at each offset, a level above at each escalation step.
CREATE FUNCTION notifications.steps(offsets integer[], escalation jsonb)
  RETURNS TABLE (days integer, audience text) LANGUAGE sql IMMUTABLE AS $f$
    SELECT o, 'party' FROM unnest(offsets) o
    UNION ALL
    SELECT (e->>'after_days')::int, e->>'to' FROM jsonb_array_elements(escalation) e
  $f$;

-- The first day after `p_after` (NULL: from the beginning) on which a step of duty `p_duty` falls for
-- an obligation due on `p_due`; NULL when none is left. The one rule for an obligation's next_step_on.
CREATE FUNCTION notifications.next_step(p_duty uuid, p_due date, p_after date) RETURNS date
  LANGUAGE sql STABLE AS $f$
    SELECT min(p_due + s.days)
      FROM notifications.duties d, notifications.steps(d.offsets, d.escalation) s
     WHERE d.id = p_duty AND p_due + s.days > coalesce(p_after, '-infinity'::date)
  $f$;

-- An obligation: a duty owed by one organisation (`organisation_id`, the party) for one period, about
-- one subject where it has one (a cluster, a scheme). `base_due` is the rule's date, `due_date` the
-- working day it moved to. `last_step_on`: the day through which its reminders have been dealt with.
-- `for_org_id` is the organisation the duty is owed to when it is an enterprise
-- (it sees the obligation too). `next_step_on`: the next day a reminder or an escalation is due (NULL:
-- none left); the scheduler claims the obligations whose day has come. `dedup_key` names the duty, the
-- party, the subject and the period: an event delivered twice opens one obligation.
CREATE TABLE notifications.obligations (
  id               uuid PRIMARY KEY,
  duty_id          uuid NOT NULL REFERENCES notifications.duties (id),
  duty_code        text NOT NULL,
  province_id      uuid NOT NULL REFERENCES identity.admin_units (id),
  organisation_id  uuid NOT NULL,
  for_org_id       uuid,
  subject_kind     text CHECK (subject_kind ~ '^[a-z_]{1,40}$'),
  subject_id       uuid,
  subject_label    text CHECK (length(subject_label) <= 300),
  period           text NOT NULL CHECK (length(period) BETWEEN 1 AND 40),
  base_due         date NOT NULL,
  due_date         date NOT NULL CHECK (due_date >= base_due),
  state            text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'overdue', 'fulfilled', 'waived')),
  fulfilled_at     timestamptz,
  fulfilled_by     uuid,
  fulfilment_note  text CHECK (length(fulfilment_note) <= 1000),
  waived_reason    text CHECK (length(waived_reason) <= 1000),
  waived_by        uuid,
  last_step_on     date,
  next_step_on     date,
  dedup_key        text NOT NULL UNIQUE CHECK (length(dedup_key) <= 300),
  opened_by_event  text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'fulfilled') = (fulfilled_at IS NOT NULL)),
  CHECK ((state = 'waived') = (waived_reason IS NOT NULL)),
  -- A closed obligation has no next step.
  CHECK (next_step_on IS NULL OR (fulfilled_at IS NULL AND waived_reason IS NULL))
);
CREATE INDEX obligations_next_step ON notifications.obligations (next_step_on) WHERE next_step_on IS NOT NULL;
CREATE INDEX obligations_open_due ON notifications.obligations (due_date) WHERE state = 'open';
CREATE INDEX obligations_by_org ON notifications.obligations (province_id, organisation_id, due_date);
CREATE INDEX obligations_for_org ON notifications.obligations (for_org_id) WHERE for_org_id IS NOT NULL;
CREATE INDEX obligations_by_period ON notifications.obligations (duty_code, period, province_id);
ALTER TABLE notifications.obligations ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.obligations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON notifications.obligations
  USING (tenancy.visible(province_id)
         AND (tenancy.org_visible(organisation_id) OR tenancy.org_visible(for_org_id)))
  WITH CHECK (tenancy.visible(province_id));
GRANT SELECT ON notifications.obligations TO kc_notifications;
GRANT UPDATE (state, fulfilled_at, fulfilled_by, fulfilment_note, waived_reason, waived_by, due_date,
              next_step_on, updated_at)
  ON notifications.obligations TO kc_notifications;

-- In-app notices, one per user and occasion (`key`: the obligation, the step and the user; or the
-- digest's day and the user), so a pass repeated or run by two schedulers at once adds nothing.
-- `legal`: about a legal deadline (never muted).
CREATE TABLE notifications.notices (
  id             uuid PRIMARY KEY,
  key            text NOT NULL UNIQUE CHECK (length(key) <= 300),
  user_id        uuid NOT NULL,
  province_id    uuid REFERENCES identity.admin_units (id),
  obligation_id  uuid REFERENCES notifications.obligations (id),
  kind           text NOT NULL CHECK (kind IN ('reminder', 'overdue', 'escalation', 'digest')),
  legal          boolean NOT NULL DEFAULT true,
  title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  body           text NOT NULL CHECK (length(body) <= 20000),
  due_date       date,
  created_at     timestamptz NOT NULL DEFAULT now(),
  read_at        timestamptz
);
CREATE INDEX notices_by_user ON notifications.notices (user_id, created_at DESC);
CREATE INDEX notices_unread ON notifications.notices (user_id) WHERE read_at IS NULL;
-- The scheduler's "has today's digest gone out?" (the digest's day is its due_date).
CREATE INDEX notices_digest ON notifications.notices (due_date) WHERE kind = 'digest';
ALTER TABLE notifications.notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.notices FORCE ROW LEVEL SECURITY;
-- Each user reads only their own notices (app.user is set by tenancy.enter for every caller).
CREATE POLICY own_notices ON notifications.notices
  USING (user_id = NULLIF(current_setting('app.user', true), '')::uuid)
  WITH CHECK (user_id = NULLIF(current_setting('app.user', true), '')::uuid);
GRANT SELECT ON notifications.notices TO kc_notifications;
GRANT UPDATE (read_at) ON notifications.notices TO kc_notifications;

-- The day the system takes as today, moved by tests and demos (development mode only: the service
-- ignores this row and refuses to set it in production). At most one row.
CREATE TABLE notifications.clock (
  only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  today     date NOT NULL,
  set_by    uuid,
  set_at    timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE notifications.clock ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.clock FORCE ROW LEVEL SECURITY;
CREATE POLICY read_clock ON notifications.clock FOR SELECT USING (tenancy.entered());
CREATE POLICY set_clock ON notifications.clock FOR ALL USING (tenancy.sees_all()) WITH CHECK (tenancy.sees_all());
GRANT SELECT, INSERT, UPDATE, DELETE ON notifications.clock TO kc_notifications;

-- The worker: every province's obligations and notices, the national reference data, and the
-- recipients (active users and their organisations' kinds) in identity, read only.
GRANT USAGE ON SCHEMA notifications TO kc_notifications_worker;
GRANT USAGE ON SCHEMA identity TO kc_notifications_worker;
GRANT SELECT ON notifications.duties, notifications.calendar_days, notifications.clock TO kc_notifications_worker;
GRANT SELECT, INSERT, UPDATE ON notifications.obligations TO kc_notifications_worker;
GRANT SELECT, INSERT ON notifications.notices TO kc_notifications_worker;
GRANT SELECT ON identity.admin_units TO kc_notifications_worker;
GRANT SELECT (id, province_id, kind, name, status) ON identity.organisations TO kc_notifications_worker;
GRANT SELECT (id, province_id, organisation_id, email, full_name, role, permissions, status)
  ON identity.users TO kc_notifications_worker;
CREATE POLICY worker_all ON notifications.duties TO kc_notifications_worker USING (true);
CREATE POLICY worker_all ON notifications.calendar_days TO kc_notifications_worker USING (true);
CREATE POLICY worker_all ON notifications.clock TO kc_notifications_worker USING (true);
CREATE POLICY worker_all ON notifications.obligations TO kc_notifications_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_all ON notifications.notices TO kc_notifications_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_reads ON identity.organisations FOR SELECT TO kc_notifications_worker USING (true);
CREATE POLICY worker_reads ON identity.users FOR SELECT TO kc_notifications_worker USING (true);

-- E-mail. Each province's sender name and reply-to address (its department's admins set them).
CREATE TABLE notifications.senders (
  province_id  uuid PRIMARY KEY REFERENCES identity.admin_units (id),
  from_name    text NOT NULL CHECK (length(from_name) BETWEEN 1 AND 200),
  reply_to     text CHECK (length(reply_to) <= 254 AND reply_to = lower(reply_to)),
  updated_by   uuid,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE notifications.senders ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.senders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON notifications.senders
  USING (tenancy.visible(province_id)) WITH CHECK (tenancy.visible(province_id));
GRANT SELECT, INSERT, UPDATE ON notifications.senders TO kc_notifications;

-- Every e-mail, recorded under its key before it is sent: (obligation, step, recipient) for a reminder,
-- (day, recipient) for a digest, (event) for an account e-mail. Rendered when recorded; sent by the
-- mailer (an outbox consumer of notifications.email_queued) outside any transaction. `{{secret}}` in
-- a body stands for what must not be stored (a reset link): it travels as the outbox event's secret.
CREATE TABLE notifications.deliveries (
  id             uuid PRIMARY KEY,
  key            text NOT NULL UNIQUE CHECK (length(key) <= 300),
  province_id    uuid REFERENCES identity.admin_units (id),
  user_id        uuid,
  obligation_id  uuid REFERENCES notifications.obligations (id),
  kind           text NOT NULL CHECK (kind IN ('reminder', 'overdue', 'escalation', 'digest', 'account')),
  to_address     text NOT NULL CHECK (length(to_address) <= 320),
  to_name        text CHECK (length(to_name) <= 200),
  from_name      text NOT NULL CHECK (length(from_name) <= 200),
  reply_to       text CHECK (length(reply_to) <= 254),
  subject        text NOT NULL CHECK (length(subject) <= 500),
  text_body      text NOT NULL,
  html_body      text NOT NULL,
  calendar       text,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error     text,
  requeued       integer NOT NULL DEFAULT 0 CHECK (requeued >= 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  sent_at        timestamptz,
  CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX deliveries_by_province ON notifications.deliveries (province_id, created_at DESC);
CREATE INDEX deliveries_dead ON notifications.deliveries (created_at DESC) WHERE status = 'dead';
-- Every attempt, with its outcome.
CREATE TABLE notifications.delivery_attempts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id  uuid NOT NULL REFERENCES notifications.deliveries (id),
  province_id  uuid REFERENCES identity.admin_units (id),
  at           timestamptz NOT NULL DEFAULT now(),
  outcome      text NOT NULL CHECK (outcome IN ('sent', 'retry', 'dead')),
  detail       text CHECK (length(detail) <= 2000)
);
CREATE INDEX delivery_attempts_by_delivery ON notifications.delivery_attempts (delivery_id, id);
ALTER TABLE notifications.deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.deliveries FORCE ROW LEVEL SECURITY;
ALTER TABLE notifications.delivery_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.delivery_attempts FORCE ROW LEVEL SECURITY;
-- Administrators of a province see its deliveries, the ministry every one; never an enterprise.
CREATE POLICY tenant ON notifications.deliveries
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id));
CREATE POLICY tenant ON notifications.delivery_attempts
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
GRANT SELECT ON notifications.deliveries, notifications.delivery_attempts TO kc_notifications;
GRANT UPDATE (status, requeued, last_error) ON notifications.deliveries TO kc_notifications;

-- Notices a user does not want by e-mail (only those that are not legal deadlines: the service refuses
-- to mute reminders and overdue notices).
CREATE TABLE notifications.mutes (
  user_id  uuid NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('reminder', 'overdue', 'escalation', 'digest')),
  PRIMARY KEY (user_id, kind)
);
ALTER TABLE notifications.mutes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications.mutes FORCE ROW LEVEL SECURITY;
CREATE POLICY own_mutes ON notifications.mutes
  USING (user_id = NULLIF(current_setting('app.user', true), '')::uuid)
  WITH CHECK (user_id = NULLIF(current_setting('app.user', true), '')::uuid);
GRANT SELECT, INSERT, DELETE ON notifications.mutes TO kc_notifications;

GRANT SELECT ON notifications.senders, notifications.mutes TO kc_notifications_worker;
GRANT SELECT, INSERT, UPDATE ON notifications.deliveries TO kc_notifications_worker;
GRANT SELECT, INSERT ON notifications.delivery_attempts TO kc_notifications_worker;
CREATE POLICY worker_all ON notifications.senders TO kc_notifications_worker USING (true);
CREATE POLICY worker_all ON notifications.mutes TO kc_notifications_worker USING (true);
CREATE POLICY worker_all ON notifications.deliveries TO kc_notifications_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_all ON notifications.delivery_attempts TO kc_notifications_worker USING (true) WITH CHECK (true);
-- The worker enqueues the e-mails it records (notifications.email_queued), as the producer `notifications`.
GRANT INSERT ON outbox.events TO kc_notifications_worker;
