DROP TABLE outbox.events;
DROP TABLE audit.events;
DROP FUNCTION audit.refuse_change();
