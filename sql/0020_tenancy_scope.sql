-- Staff lists of tenancies flat at a million rows (issue 14). A scope is
-- one subtree and the tree has four fixed levels (village, cooperative,
-- group, building): the cooperative and group above each tenancy's
-- building are kept beside it, as complaints and checklists keep theirs
-- (sql/0007, sql/0013), so that a page at every level is one index range
-- in id order, with or without a status, and never a sort of the scope.
-- Through units.path a group leader's first page read every tenancy of
-- the group's buildings (tenancies_building) and sorted them: at 1 000 000
-- rows it timed out.
--
-- The columns are set by core/tenancies.c's insert from the building's
-- own row; a tenancy never changes building and a unit never changes
-- parent (core/units.c updates name, code and building fields only), so
-- they stay right. A building's parent is always a group (core/units.c).
ALTER TABLE tenancies
  ADD COLUMN IF NOT EXISTS coop_id BIGINT UNSIGNED NULL AFTER building_id,
  ADD COLUMN IF NOT EXISTS group_id BIGINT UNSIGNED NULL AFTER coop_id;

UPDATE tenancies t JOIN units b ON b.id = t.building_id
  JOIN units g ON g.id = b.parent_id
  SET t.group_id = g.id, t.coop_id = g.parent_id
  WHERE t.group_id IS NULL;

-- Per level: every status in id order (the plain list), one status in id
-- order (?status=, ?overdue=1), and the overdue pending ones per child
-- counted from the index alone (the per-unit counts; active and pending
-- come from building_renters, sql/0014). The village is the whole table:
-- PRIMARY, tenancies_status, tenancies_since.
ALTER TABLE tenancies
  ADD KEY IF NOT EXISTS tenancies_status (status, id),
  ADD KEY IF NOT EXISTS tenancies_since (status, created_at, coop_id),
  ADD KEY IF NOT EXISTS tenancies_building_all (building_id, id),
  ADD KEY IF NOT EXISTS tenancies_building_since (building_id, status, created_at),
  ADD KEY IF NOT EXISTS tenancies_group (group_id, id),
  ADD KEY IF NOT EXISTS tenancies_group_status (group_id, status, id),
  ADD KEY IF NOT EXISTS tenancies_group_since (group_id, status, created_at, building_id),
  ADD KEY IF NOT EXISTS tenancies_coop (coop_id, id),
  ADD KEY IF NOT EXISTS tenancies_coop_status (coop_id, status, id),
  ADD KEY IF NOT EXISTS tenancies_coop_since (coop_id, status, created_at, group_id);
