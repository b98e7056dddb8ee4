-- Workflow, part 2 (continued): the periodic extension reports (báo cáo khuyến công, six-month and
-- annual) each province's department sends the ministry. The draft is filled from the money figures
-- (workflow.scheme_figures) of the province and year; the department adds its narrative and submits;
-- the ministry may return it for correction.
CREATE TABLE workflow.extension_reports (
  id               uuid PRIMARY KEY,
  province_id      uuid NOT NULL REFERENCES identity.admin_units (id),
  organisation_id  uuid NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('half_year', 'annual')),
  year             integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'returned')),
  version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  figures          jsonb NOT NULL CHECK (jsonb_typeof(figures) = 'object'),
  figures_at       timestamptz NOT NULL DEFAULT now(),
  narrative        text NOT NULL DEFAULT '' CHECK (length(narrative) <= 20000),
  created_by       uuid NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  submitted_by     uuid,
  submitted_at     timestamptz,
  returned_by      uuid,
  returned_at      timestamptz,
  returned_reason  text CHECK (length(returned_reason) <= 2000),
  CHECK ((status = 'submitted') = (submitted_at IS NOT NULL)),
  FOREIGN KEY (province_id, organisation_id) REFERENCES identity.organisations (province_id, id),
  UNIQUE (province_id, kind, year)
);
CREATE INDEX extension_reports_period ON workflow.extension_reports (year, kind, status);
ALTER TABLE workflow.extension_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.extension_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workflow.extension_reports
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
GRANT SELECT, INSERT, UPDATE ON workflow.extension_reports TO kc_workflow;
