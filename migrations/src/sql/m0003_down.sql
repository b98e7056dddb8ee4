DROP TABLE identity.login_throttle;
DROP TABLE identity.password_resets;
DROP TABLE identity.refresh_tokens;
DROP TABLE identity.users;
DROP TABLE identity.organisations;
