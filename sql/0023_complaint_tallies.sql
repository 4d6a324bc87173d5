-- The complaint rates of a village's and a cooperative's dashboard (issue
-- 14: DESIGN.md's p99 <= 50 ms at 2 000 buildings, scripts/bench
-- dash_village, dash_coop). Counted live, the village's 30 days read every
-- complaint of the range (3 000 index entries at the bench's 100 a day,
-- 5-6 ms of a request's 15-19 ms of database time), and a year's range
-- 36 000.
--
-- The counts per unit holding the complaint's place (a building's group,
-- else the place itself: the village for a free-text place) and per
-- Shanghai day of receipt (span 'day'), and the same per month (span
-- 'month', `day` its 1st), kept by core/complaints.c in the transaction
-- of each filing and of each change of a counted field (acceptance,
-- resolution, reopening, rating): a row moves by the complaint's
-- contribution after the change minus its contribution before, so two
-- changes commute (no trigger, no read-then-write: Galera-safe). A range
-- is read as whole months plus or minus the days at its two ends
-- (core/complaint_stats.c), a few hundred rows whatever the range and
-- however many complaints. What each column counts is what
-- complaint_stats.h's rates count:
--   received  every complaint
--   in_time   accepted_at <= respond_due (both fixed once set)
--   resolved  resolved_at set and never reopened
--   rated, good (4-5), fair (3)
-- Deltas can be negative (a reopening takes a resolution back): signed.
CREATE TABLE IF NOT EXISTS complaint_tallies (
  span     ENUM('day','month') NOT NULL,
  day      DATE NOT NULL,
  unit_id  BIGINT UNSIGNED NOT NULL,
  received INT NOT NULL DEFAULT 0,
  in_time  INT NOT NULL DEFAULT 0,
  resolved INT NOT NULL DEFAULT 0,
  rated    INT NOT NULL DEFAULT 0,
  good     INT NOT NULL DEFAULT 0,
  fair     INT NOT NULL DEFAULT 0,
  PRIMARY KEY (span, day, unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- The complaints already filed (huzu stopped: a change by the old
-- release after this would be missing from the counts).
INSERT INTO complaint_tallies (span, day, unit_id, received, in_time,
  resolved, rated, good, fair)
  SELECT 'day', DATE(c.created_at + INTERVAL 8 HOUR),
    IF(u.kind = 'building', u.parent_id, u.id), COUNT(*),
    COALESCE(SUM(c.accepted_at <= c.respond_due), 0),
    COALESCE(SUM(c.resolved_at IS NOT NULL AND c.reopened = 0), 0),
    COUNT(c.rating), COALESCE(SUM(c.rating >= 4), 0),
    COALESCE(SUM(c.rating = 3), 0)
  FROM complaints c JOIN units u ON u.id = c.unit_id
  GROUP BY 2, 3
  ON DUPLICATE KEY UPDATE received = VALUES(received),
    in_time = VALUES(in_time), resolved = VALUES(resolved),
    rated = VALUES(rated), good = VALUES(good), fair = VALUES(fair);

INSERT INTO complaint_tallies (span, day, unit_id, received, in_time,
  resolved, rated, good, fair)
  SELECT 'month', d.day - INTERVAL (DAYOFMONTH(d.day) - 1) DAY, d.unit_id,
    SUM(d.received), SUM(d.in_time), SUM(d.resolved), SUM(d.rated),
    SUM(d.good), SUM(d.fair)
  FROM (SELECT * FROM complaint_tallies WHERE span = 'day') d
  GROUP BY 2, 3
  ON DUPLICATE KEY UPDATE received = VALUES(received),
    in_time = VALUES(in_time), resolved = VALUES(resolved),
    rated = VALUES(rated), good = VALUES(good), fair = VALUES(fair);
