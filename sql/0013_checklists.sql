-- The building head's monthly checklist (栋长月度工作清单, issue 11).
--
-- The village admin writes one template per month: a title and its items,
-- each saying whether a photo is required. The scheduler gives every
-- building with a head its own list for the month (checklists), one entry
-- per item (checklist_entries); UNIQUE (template_id, building_id) makes a
-- second run create nothing. A list belongs to the building, so a new head
-- takes over the list with the building; the cooperative and group are
-- kept beside the path, like complaints, for the roll-ups.
CREATE TABLE IF NOT EXISTS checklist_templates (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  month       CHAR(7) CHARACTER SET ascii NOT NULL,           -- 2026-12
  title       VARCHAR(100) NOT NULL,
  items       TINYINT UNSIGNED NOT NULL,
  -- Set by the first run that issued lists; items are fixed from then on.
  issued_at   DATETIME(3) NULL,
  created_by  BIGINT UNSIGNED NULL,
  created_at  DATETIME(3) NOT NULL,
  updated_at  DATETIME(3) NOT NULL,
  revision    INT UNSIGNED NOT NULL DEFAULT 0,
  UNIQUE KEY checklist_templates_month (month)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS checklist_template_items (
  template_id    BIGINT UNSIGNED NOT NULL,
  position       TINYINT UNSIGNED NOT NULL,
  title          VARCHAR(100) NOT NULL,
  hint           VARCHAR(200) NULL,
  photo_required TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (template_id, position),
  CONSTRAINT checklist_items_template_fk FOREIGN KEY (template_id) REFERENCES checklist_templates (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS checklists (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  template_id  BIGINT UNSIGNED NOT NULL,
  month        CHAR(7) CHARACTER SET ascii NOT NULL,
  building_id  BIGINT UNSIGNED NOT NULL,
  unit_path    VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  coop_id      BIGINT UNSIGNED NULL,
  group_id     BIGINT UNSIGNED NULL,
  items        TINYINT UNSIGNED NOT NULL,
  items_done   TINYINT UNSIGNED NOT NULL DEFAULT 0,
  problems     TINYINT UNSIGNED NOT NULL DEFAULT 0,
  -- The last day of the month, end of day in Shanghai, in UTC.
  due_at       DATETIME(3) NOT NULL,
  completed_at DATETIME(3) NULL,
  reminded_at  DATETIME(3) NULL,
  created_at   DATETIME(3) NOT NULL,
  revision     INT UNSIGNED NOT NULL DEFAULT 0,
  UNIQUE KEY checklists_building (template_id, building_id),
  KEY checklists_path (month, unit_path),
  KEY checklists_coop (month, coop_id),
  KEY checklists_group (month, group_id),
  CONSTRAINT checklists_template_fk FOREIGN KEY (template_id) REFERENCES checklist_templates (id),
  CONSTRAINT checklists_building_fk FOREIGN KEY (building_id) REFERENCES buildings (unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- One entry per item: open until ticked ok, or marked as a problem with a
-- note (which may have opened a complaint, complaint_id).
CREATE TABLE IF NOT EXISTS checklist_entries (
  checklist_id  BIGINT UNSIGNED NOT NULL,
  position      TINYINT UNSIGNED NOT NULL,
  status        ENUM('open','ok','problem') NOT NULL DEFAULT 'open',
  note          VARCHAR(500) NULL,
  upload_id     BIGINT UNSIGNED NULL,
  complaint_id  BIGINT UNSIGNED NULL,
  done_by       BIGINT UNSIGNED NULL,
  done_at       DATETIME(3) NULL,
  PRIMARY KEY (checklist_id, position),
  KEY checklist_entries_upload (upload_id),
  CONSTRAINT checklist_entries_list_fk FOREIGN KEY (checklist_id) REFERENCES checklists (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
