DELETE FROM workflow.scheme_reports r
 WHERE EXISTS (SELECT 1 FROM identity.organisations o WHERE o.id = r.by_org AND o.kind = 'enterprise');
DROP POLICY tenant ON workflow.scheme_reports;
CREATE POLICY tenant ON workflow.scheme_reports
  USING (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise')
  WITH CHECK (tenancy.visible(province_id) AND coalesce(current_setting('app.scope', true), '') <> 'enterprise');
