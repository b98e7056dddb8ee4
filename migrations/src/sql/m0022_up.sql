-- A beneficiary reports its own progress on a scheme it benefits from: an enterprise reads and writes
-- the scheme reports its organisation made (and no other), and writes them only on a scheme it is
-- named on; staff as before.
DROP POLICY tenant ON workflow.scheme_reports;
CREATE POLICY tenant ON workflow.scheme_reports
  USING (tenancy.visible(province_id) AND tenancy.org_visible(by_org))
  WITH CHECK (tenancy.visible(province_id) AND tenancy.org_visible(by_org)
              AND (coalesce(current_setting('app.scope', true), '') <> 'enterprise'
                   OR EXISTS (SELECT 1 FROM workflow.scheme_beneficiaries b
                               WHERE b.scheme_id = scheme_reports.scheme_id
                                 AND b.organisation_id = tenancy.current_org())));
