-- The village dashboard (issue 11) within DESIGN.md's aggregate target
-- (p99 <= 50 ms at 2 000 buildings and 100 000 renters: scripts/bench
-- dash_village, dash_coop). Measured from the mariadb client at the
-- bench's size before this file, the week's check-ins (20 000 index
-- entries, 24-40 ms) and the range's receipts (20 000 rows, 20-40 ms) were
-- most of a request; the complaint rates (3 000 rows read whole, 9-16 ms)
-- and the overdue registrations (1 000 rows read whole, 9-17 ms) the rest.

-- Check-ins per Shanghai day and per unit holding the building (its
-- group), rolled up by the scheduler (core/checkin_days.c), never by a
-- check-in: POST /checkins stays one insert. Together the rows count every
-- check-in before the watermark (rollup_marks), no more: the day holding
-- the watermark is recounted from its start at each run. The dashboard
-- reads the rows of the week before the watermark and the check-ins after
-- it, in one statement (one snapshot), whatever the scheduler's lag.
CREATE TABLE IF NOT EXISTS checkin_days (
  day       DATE NOT NULL,
  unit_id   BIGINT UNSIGNED NOT NULL,
  residence INT UNSIGNED NOT NULL DEFAULT 0,
  patrol    INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (day, unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- Up to when (UTC, exclusive) a rollup is complete. The row is made here
-- so that the dashboard's statement finds it; 1970 means nothing rolled.
CREATE TABLE IF NOT EXISTS rollup_marks (
  name VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  upto DATETIME(3) NOT NULL DEFAULT '1970-01-01 00:00:00'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

INSERT IGNORE INTO rollup_marks (name) VALUES ('checkin_days');

-- Receipts per directive and per unit holding the recipient's unit (a
-- head's building's group; a leader's own group), kept by core/directives.c
-- in the same transaction as the fan-out, a first read and a completion:
-- one row per group, so a village's dashboard sums ten directives' 100
-- rows, not their 20 000 receipts. Low contention: a row is shared by the
-- 20 heads of one group, each touching it once or twice per directive.
CREATE TABLE IF NOT EXISTS directive_tallies (
  directive_id BIGINT UNSIGNED NOT NULL,
  unit_id      BIGINT UNSIGNED NOT NULL,
  receipts     INT UNSIGNED NOT NULL DEFAULT 0,
  read_n       INT UNSIGNED NOT NULL DEFAULT 0,
  done_n       INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (directive_id, unit_id),
  CONSTRAINT tallies_directive_fk FOREIGN KEY (directive_id) REFERENCES directives (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

INSERT INTO directive_tallies (directive_id, unit_id, receipts, read_n, done_n)
  SELECT r.directive_id, IF(u.kind = 'building', u.parent_id, u.id), COUNT(*),
    COUNT(r.read_at), COUNT(r.done_at)
  FROM directive_receipts r JOIN units u ON u.id = r.unit_id
  GROUP BY r.directive_id, IF(u.kind = 'building', u.parent_id, u.id)
  ON DUPLICATE KEY UPDATE receipts = VALUES(receipts), read_n = VALUES(read_n),
    done_n = VALUES(done_n);

-- The dashboard's directives of a range, and a group's or a building's
-- receipts (their path) without reading the village's.
ALTER TABLE directives ADD KEY IF NOT EXISTS directives_created (created_at);
ALTER TABLE directive_receipts ADD KEY IF NOT EXISTS receipts_path (unit_path, directive_id);

-- The complaint rates from the index alone (3 000 rows a month at the
-- bench's village were 3 000 row reads), and the overdue registrations
-- with their building (tenancies_pending has no building: a row read each).
ALTER TABLE complaints ADD KEY IF NOT EXISTS complaints_rates
  (created_at, unit_path, accepted_at, respond_due, resolved_at, reopened, rating);
ALTER TABLE tenancies ADD KEY IF NOT EXISTS tenancies_overdue (status, created_at, building_id);

-- A village's or a cooperative's renters and checklists summed per group
-- before they meet the tree: placing each of 2 000 buildings by its unit
-- row was most of those two figures' time. building_renters learns its
-- building's group (core/tenancies.c writes it with each change).
ALTER TABLE building_renters ADD COLUMN IF NOT EXISTS group_id BIGINT UNSIGNED NULL AFTER building_id;
UPDATE building_renters r JOIN units u ON u.id = r.building_id SET r.group_id = u.parent_id;
ALTER TABLE building_renters ADD KEY IF NOT EXISTS building_renters_group (group_id, active, pending);
ALTER TABLE checklists ADD KEY IF NOT EXISTS checklists_done (month, group_id, completed_at);
