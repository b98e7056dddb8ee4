-- Documents of schemes too: a document belongs to exactly one case, an application or a scheme. A
-- scheme's documents are its implementing unit's (organisation_id), as the scheme is; the appraisal
-- record and the approval decision join the kinds.
ALTER TABLE workflow.documents ALTER COLUMN application_id DROP NOT NULL;
ALTER TABLE workflow.documents ADD COLUMN scheme_id uuid;
ALTER TABLE workflow.documents ADD CONSTRAINT documents_one_case
  CHECK (num_nonnulls(application_id, scheme_id) = 1);
ALTER TABLE workflow.documents ADD CONSTRAINT documents_scheme_fk
  FOREIGN KEY (province_id, scheme_id) REFERENCES workflow.schemes (province_id, id);
ALTER TABLE workflow.documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE workflow.documents ADD CONSTRAINT documents_kind_check
  CHECK (kind IN ('request_letter', 'scheme_document', 'beneficiary_request', 'quote', 'land_papers',
                  'business_registration', 'appraisal_record', 'decision', 'other'));
CREATE INDEX documents_by_scheme ON workflow.documents (scheme_id, kind, document_key, version)
  WHERE scheme_id IS NOT NULL;
