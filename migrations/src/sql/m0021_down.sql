DROP TABLE workflow.extension_reports;
