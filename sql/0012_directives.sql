-- Directives (通知/指令) with a receipt per recipient (issue 11): the
-- report's 糊涂账 ends when every instruction sent down the chain has a row
-- per person who should act on it, saying whether they read it and did it.
--
-- A directive is sent by staff to a subtree of their own scope (unit_id,
-- unit_path) and an audience (the building heads, the group leaders, or
-- both, inside it). It is never edited: a correction is a new directive
-- naming the one it corrects (corrects_id).
CREATE TABLE IF NOT EXISTS directives (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  unit_id        BIGINT UNSIGNED NOT NULL,
  unit_path      VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  audience       ENUM('heads','leaders','both') NOT NULL,
  title          VARCHAR(100) NOT NULL,
  body           VARCHAR(2000) NOT NULL,
  deadline       DATETIME(3) NOT NULL,
  -- Each recipient must confirm completion (with a note, optionally a
  -- photo); otherwise reading it is all that is asked.
  needs_done     TINYINT(1) NOT NULL,
  corrects_id    BIGINT UNSIGNED NULL,
  sender_id      BIGINT UNSIGNED NOT NULL,
  recipients     INT UNSIGNED NOT NULL,
  created_at     DATETIME(3) NOT NULL,
  KEY directives_path (unit_path, id),
  KEY directives_sender (sender_id, id),
  KEY directives_corrects (corrects_id),
  CONSTRAINT directives_unit_fk FOREIGN KEY (unit_id) REFERENCES units (id),
  CONSTRAINT directives_sender_fk FOREIGN KEY (sender_id) REFERENCES users (id),
  CONSTRAINT directives_corrects_fk FOREIGN KEY (corrects_id) REFERENCES directives (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- Up to 3 photos or one PDF sent with a directive.
CREATE TABLE IF NOT EXISTS directive_files (
  directive_id BIGINT UNSIGNED NOT NULL,
  position     TINYINT UNSIGNED NOT NULL,
  upload_id    BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (directive_id, position),
  KEY directive_files_upload (upload_id),
  CONSTRAINT directive_files_directive_fk FOREIGN KEY (directive_id) REFERENCES directives (id),
  CONSTRAINT directive_files_upload_fk FOREIGN KEY (upload_id) REFERENCES uploads (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- One receipt per directive and recipient, made by one INSERT ... SELECT
-- when the directive is sent. A recipient holding the role at several
-- units of the subtree gets one receipt, placed at the first of them
-- (unit_path) so the sender's counts per child unit add up. State is in
-- the timestamps: delivered (the row), read_at (first opened, set by the
-- server), done_at (with done_note and an optional photo); overdue is
-- computed against the directive's deadline, never stored.
CREATE TABLE IF NOT EXISTS directive_receipts (
  directive_id   BIGINT UNSIGNED NOT NULL,
  user_id        BIGINT UNSIGNED NOT NULL,
  role           ENUM('building_head','group_leader') NOT NULL,
  unit_id        BIGINT UNSIGNED NOT NULL,
  unit_path      VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  read_at        DATETIME(3) NULL,
  done_at        DATETIME(3) NULL,
  done_note      VARCHAR(500) NULL,
  done_upload_id BIGINT UNSIGNED NULL,
  reminded_at    DATETIME(3) NULL,
  reminders      SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (directive_id, user_id),
  KEY receipts_user (user_id, directive_id),
  KEY receipts_upload (done_upload_id),
  CONSTRAINT receipts_directive_fk FOREIGN KEY (directive_id) REFERENCES directives (id),
  CONSTRAINT receipts_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- A PDF may be sent with a directive: an upload is a photo (decoded and
-- re-encoded by huzu-image) or a PDF (kept as received after its header
-- and trailer are checked, served only as an attachment).
ALTER TABLE uploads
  ADD COLUMN IF NOT EXISTS kind ENUM('photo','pdf') NOT NULL DEFAULT 'photo' AFTER user_id;
