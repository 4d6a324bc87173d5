-- The cooperative and group kept beside each tenancy (sql/0020) are what
-- every staff list and count reads: a row without them is missing from
-- its group's and cooperative's pages, silently. core/tenancies.c's
-- insert always sets both, so they are required from now on, and an
-- insert that forgets them fails loudly. Rows an older program wrote
-- get theirs first, as sql/0020 did.
UPDATE tenancies t JOIN units b ON b.id = t.building_id
  JOIN units g ON g.id = b.parent_id
  SET t.group_id = g.id, t.coop_id = g.parent_id
  WHERE t.group_id IS NULL OR t.coop_id IS NULL;

ALTER TABLE tenancies
  MODIFY coop_id BIGINT UNSIGNED NOT NULL,
  MODIFY group_id BIGINT UNSIGNED NOT NULL;
