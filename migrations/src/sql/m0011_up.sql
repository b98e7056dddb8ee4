-- Documents of a case (an application now; schemes with their issue). The bytes live in the document
-- store (object_store: a local folder, or S3); this table holds what the system knows of each upload.
-- A document is never overwritten: a new upload of the same document is its next version (same
-- document_key, version + 1). The type is what the content is (detected from its bytes), and the
-- SHA-256 is of the bytes stored.
CREATE TABLE workflow.documents (
  id              uuid PRIMARY KEY,
  province_id     uuid NOT NULL REFERENCES identity.admin_units (id),
  -- The organisation whose case it is (the applicant): an enterprise sees only its own cases' documents.
  organisation_id uuid NOT NULL,
  application_id  uuid NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('request_letter', 'scheme_document', 'beneficiary_request',
                                                'quote', 'land_papers', 'business_registration', 'other')),
  document_key    uuid NOT NULL,
  version         integer NOT NULL CHECK (version >= 1),
  filename        text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
  content_type    text NOT NULL CHECK (length(content_type) <= 100),
  size_bytes      bigint NOT NULL CHECK (size_bytes > 0),
  sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key     text NOT NULL UNIQUE,
  uploaded_by     uuid NOT NULL,
  uploaded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (document_key, version),
  FOREIGN KEY (province_id, application_id) REFERENCES workflow.applications (province_id, id),
  FOREIGN KEY (province_id, organisation_id) REFERENCES identity.organisations (province_id, id)
);
CREATE INDEX documents_by_application ON workflow.documents (application_id, kind, document_key, version);

ALTER TABLE workflow.documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow.documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workflow.documents
  USING (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id))
  WITH CHECK (tenancy.visible(province_id) AND tenancy.org_visible(organisation_id));
-- Rows are only added: a document's record never changes.
GRANT SELECT, INSERT ON workflow.documents TO kc_workflow;
