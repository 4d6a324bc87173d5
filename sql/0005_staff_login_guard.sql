-- The per-account defence against password guessing (core/login.c):
-- failed staff logins by account and address, and the addresses each
-- account logged in from. Growing delays per account and address; after
-- many failures the account is locked to addresses it never used, while a
-- correct password from a known address still passes, so a guesser cannot
-- lock the real user out.
-- Failures are counted by a keyed hash of the username as typed (lower
-- case), for names that exist and names that do not alike: the guard's
-- answers must not tell which usernames exist.
CREATE TABLE IF NOT EXISTS staff_login_failures (
  id       BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name_key BINARY(32) NOT NULL,
  ip       VARCHAR(45) CHARACTER SET ascii NOT NULL,
  at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY failures_name (name_key, at),
  KEY failures_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS staff_login_addresses (
  user_id    BIGINT UNSIGNED NOT NULL,
  ip         VARCHAR(45) CHARACTER SET ascii NOT NULL,
  last_ok_at DATETIME(3) NOT NULL,
  PRIMARY KEY (user_id, ip),
  KEY addresses_at (last_ok_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
