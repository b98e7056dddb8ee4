DROP TABLE identity.login_throttle;
DROP TABLE identity.password_resets;
DROP TABLE identity.refresh_tokens;
DROP TABLE identity.users;
DROP FUNCTION identity.check_user_organisation();
DROP TABLE identity.organisations;
