DROP TABLE identity.admin_units;
