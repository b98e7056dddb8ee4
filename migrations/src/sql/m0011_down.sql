DROP TABLE workflow.documents;
