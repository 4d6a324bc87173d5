-- The scheduler's lease (README "Scheduler"): one row per lease, so that
-- one runner at a time does the periodic jobs, whichever host it is on.
-- A runner takes or renews the lease with one conditional UPDATE (it is
-- free, expired, or already its own), never SELECT ... FOR UPDATE, so the
-- statement works the same on a Galera cluster: of two hosts racing, one
-- update changes the row and the other changes nothing (or fails
-- certification, which counts as not taken). Times are the database's
-- clock, never a runner's: `huzu tick --now=` moves the jobs' clock, not
-- the lease's.
CREATE TABLE IF NOT EXISTS scheduler_leases (
  name        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  -- host:pid of the runner; '' when released.
  holder      VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  acquired_at DATETIME(3) NOT NULL DEFAULT '1970-01-01 00:00:00',
  expires_at  DATETIME(3) NOT NULL DEFAULT '1970-01-01 00:00:00',
  -- Bumped by every take and renewal, so that a renewal within the same
  -- millisecond still changes the row (affected rows = 1).
  renewals    BIGINT UNSIGNED NOT NULL DEFAULT 0,
  -- The jobs' clock of the last complete run, for operators.
  last_run_at DATETIME(3) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

INSERT IGNORE INTO scheduler_leases (name) VALUES ('jobs');
