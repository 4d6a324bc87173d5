-- What the village dashboard (issue 11) reads at 2 000 buildings and
-- 100 000 renters, measured in scripts/bench (dash_village, dash_coop).
--
-- Open tenancies per building, kept by core/tenancies.c in the same
-- transaction as each change of a tenancy's state (as shifts keep their
-- `confirmed`): counting them live read 100 000 index entries for the
-- village, 50 to 90 ms on the bench machine, over the whole page's
-- budget; summing these reads one row per building. Pending ones overdue
-- (24 hours) stay a live count, over tenancies_pending.
CREATE TABLE IF NOT EXISTS building_renters (
  building_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  active      INT NOT NULL DEFAULT 0,
  pending     INT NOT NULL DEFAULT 0,
  CONSTRAINT building_renters_fk FOREIGN KEY (building_id) REFERENCES buildings (unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

INSERT INTO building_renters (building_id, active, pending)
  SELECT building_id, SUM(status = 'active'), SUM(status = 'pending')
  FROM tenancies WHERE status IN ('pending', 'active') GROUP BY building_id
  ON DUPLICATE KEY UPDATE active = VALUES(active), pending = VALUES(pending);

-- This week's check-ins with their building and kind from the index
-- alone: by building first (checkins_building) the join read every
-- check-in a building ever had (180 days are kept) to find the week's.
ALTER TABLE checkins ADD KEY IF NOT EXISTS checkins_week (at, building_id, kind);
