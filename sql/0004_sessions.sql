-- Sessions: one row per refresh-token family, named in every access token
-- (the sid claim), so that a logout, a refresh-token reuse or a revoked
-- session ends the access tokens of that session on their next request,
-- not at their expiry. Read in the same statement as the caller's user
-- row: no extra query per request.
CREATE TABLE IF NOT EXISTS sessions (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,
  family     BINARY(16) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  revoked_at DATETIME(3) NULL,
  UNIQUE KEY sessions_family (family),
  KEY sessions_user (user_id),
  CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
