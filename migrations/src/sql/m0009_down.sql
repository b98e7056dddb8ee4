DROP INDEX identity.organisations_tax_code_claims;
DROP INDEX identity.organisations_tax_code;
CREATE UNIQUE INDEX organisations_tax_code ON identity.organisations (tax_code)
  WHERE tax_code IS NOT NULL AND status <> 'rejected';
