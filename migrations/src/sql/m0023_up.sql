-- Every step of an application's life: from and to which state, taken by which role, when and why.
-- The applicant's tracking page shows it (who held the case and for how long); it is seen by whoever
-- sees the application.
CREATE TABLE workflow.application_steps (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  province_id     uuid NOT NULL,
  application_id  uuid NOT NULL,
  from_status     text NOT NULL
                  CHECK (from_status IN ('draft', 'submitted', 'under_review', 'returned', 'accepted', 'rejected', 'withdrawn')),
  to_status       text NOT NULL
                  CHECK (to_status IN ('draft', 'submitted', 'under_review', 'returned', 'accepted', 'rejected', 'withdrawn')),
  by_role         text NOT NULL CHECK (by_role IN ('ministry', 'province', 'centre', 'enterprise')),
  by_user         uuid NOT NULL,
  at              timestamptz NOT NULL DEFAULT now(),
  reason          text CHECK (length(reason) <= 2000),
  FOREIGN KEY (province_id, application_id) REFERENCES workflow.applications (province_id, id)
);
CREATE INDEX application_steps_by_application ON workflow.application_steps (application_id, id);

ALTER TABLE workflow.application_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.application_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workflow.application_steps
  USING (tenancy.visible(province_id) AND EXISTS (
           SELECT 1 FROM workflow.applications a
            WHERE a.province_id = application_steps.province_id AND a.id = application_steps.application_id))
  WITH CHECK (tenancy.visible(province_id) AND EXISTS (
           SELECT 1 FROM workflow.applications a
            WHERE a.province_id = application_steps.province_id AND a.id = application_steps.application_id));
GRANT SELECT, INSERT ON workflow.application_steps TO kc_workflow;
