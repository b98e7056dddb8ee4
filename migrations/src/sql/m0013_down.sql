-- Scheme documents' records go with the column (their bytes stay in the document store).
ALTER TABLE workflow.documents DISABLE ROW LEVEL SECURITY;
DELETE FROM workflow.documents WHERE scheme_id IS NOT NULL;
ALTER TABLE workflow.documents ENABLE ROW LEVEL SECURITY;
DROP INDEX workflow.documents_by_scheme;
ALTER TABLE workflow.documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE workflow.documents ADD CONSTRAINT documents_kind_check
  CHECK (kind IN ('request_letter', 'scheme_document', 'beneficiary_request', 'quote', 'land_papers',
                  'business_registration', 'other'));
ALTER TABLE workflow.documents DROP CONSTRAINT documents_one_case;
ALTER TABLE workflow.documents DROP COLUMN scheme_id;
ALTER TABLE workflow.documents ALTER COLUMN application_id SET NOT NULL;
