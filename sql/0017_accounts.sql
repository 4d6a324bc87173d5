-- Issue 13, account administration. An admin may disable an account (its
-- refresh tokens are revoked and its access tokens refused at once: the
-- authz_version it carries is bumped) and reset a password; a reset
-- password is a temporary one that must be changed at the next login.
ALTER TABLE users
  ADD COLUMN IF NOT EXISTS disabled_at DATETIME(3) NULL,
  ADD COLUMN IF NOT EXISTS password_changed_at DATETIME(3) NULL,
  ADD COLUMN IF NOT EXISTS must_change_password TINYINT(1) NOT NULL DEFAULT 0;
