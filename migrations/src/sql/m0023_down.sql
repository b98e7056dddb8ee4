DROP TABLE workflow.application_steps;
