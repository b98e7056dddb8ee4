-- A beneficiary reports its own progress on a scheme it benefits from: an enterprise reads and writes
-- the scheme reports its organisation made (and no other); staff as before.
DROP POLICY tenant ON workflow.scheme_reports;
CREATE POLICY tenant ON workflow.scheme_reports
  USING (tenancy.visible(province_id) AND tenancy.org_visible(by_org))
  WITH CHECK (tenancy.visible(province_id) AND tenancy.org_visible(by_org));
