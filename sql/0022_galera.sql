-- Guard rows for a MariaDB Galera cluster (README "Scaling out"). On
-- Galera a row lock (SELECT ... FOR UPDATE, a gap lock) holds only on the
-- node that took it: two transactions on two nodes that only read-lock the
-- same row both commit. Certification stops the second only when both
-- WRITE a common row (or unique key). So a transaction that decides on a
-- row it does not otherwise change writes a guard to it instead of only
-- locking it; on one server the write takes the same row lock as before.

-- A volunteer's sign-ups (the overlap check), a resident's filings (20
-- open at most) and the last enabled admin are decided on the user's row:
-- those transactions bump this number (core/shifts.c, core/complaints.c,
-- core/users.c), leaving updated_at as it was.
ALTER TABLE users
  ADD COLUMN IF NOT EXISTS lock_seq BIGINT UNSIGNED NOT NULL DEFAULT 0;

-- The per-phone code interval (core/login.c): a phone that never had a
-- code has no login_codes row to lock, and two codes inserted on two
-- nodes share no key. Every send first writes this phone's row, so two
-- sends at once, wherever they run, take turns. Purged with the codes
-- after a day (hz_login_purge).
CREATE TABLE IF NOT EXISTS login_phone_guards (
  phone_index BINARY(32) NOT NULL PRIMARY KEY,
  sends       BIGINT UNSIGNED NOT NULL DEFAULT 0,
  touched_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY phone_guards_touched (touched_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
