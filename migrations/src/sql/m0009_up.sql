-- A tax code is held by at most one organisation in use (active or disabled). A registration that
-- claims a tax code already held is kept, pending, for the province's centre to review as a claim
-- (rather than refused, which would tell anyone that the code is registered); verifying it while the
-- code is held fails on this index.
DROP INDEX identity.organisations_tax_code;
CREATE UNIQUE INDEX organisations_tax_code ON identity.organisations (tax_code)
  WHERE tax_code IS NOT NULL AND status IN ('active', 'disabled');
CREATE INDEX organisations_tax_code_claims ON identity.organisations (tax_code)
  WHERE tax_code IS NOT NULL AND status = 'pending';
