DROP TABLE notifications.scheduler_passes;
