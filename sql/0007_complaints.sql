-- Complaints (诉求, DESIGN.md "Complaints"): 接诉即办. Whoever first
-- receives a complaint owns it (首接负责): the household-group leader of the
-- building's group, else the cooperative, else the village. Times are UTC
-- and written from the caller's clock (hz_ctx.now), so `huzu tick --now=`
-- can drive deadlines in tests without sleeping.

-- Categories: a Chinese name and two deadlines. `kind` tells a problem
-- (问需) from a suggestion (问计).
CREATE TABLE IF NOT EXISTS complaint_categories (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code            VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name            VARCHAR(32) NOT NULL,
  kind            ENUM('problem','suggestion') NOT NULL DEFAULT 'problem',
  urgent          TINYINT(1) NOT NULL DEFAULT 0,
  respond_minutes INT UNSIGNED NOT NULL,
  resolve_minutes INT UNSIGNED NOT NULL,
  sort            INT NOT NULL DEFAULT 0,
  active          TINYINT(1) NOT NULL DEFAULT 1,
  UNIQUE KEY categories_code (code),
  UNIQUE KEY categories_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

INSERT IGNORE INTO complaint_categories
  (code, name, kind, urgent, respond_minutes, resolve_minutes, sort) VALUES
  ('fire_safety', '消防安全',   'problem',    1,  120,  1440, 10),
  ('security',    '治安隐患',   'problem',    1,  120,  2880, 20),
  ('sanitation',  '环境卫生',   'problem',    0,  480,  4320, 30),
  ('noise',       '噪音扰民',   'problem',    0,  480,  2880, 40),
  ('repair',      '设施维修',   'problem',    0,  720,  7200, 50),
  ('rental',      '出租屋管理', 'problem',    0, 1440,  7200, 60),
  ('suggestion',  '意见建议',   'suggestion', 0, 1440, 10080, 70);

-- One complaint. `unit_id`/`unit_path` is where it sits in the tree (the
-- building, or the village for a free-text place) and decides who may see
-- it; `handler_unit_id` is the level that owns it now (group, cooperative,
-- village) and `handler_id` the person. Deadlines are fixed at submission
-- (the SLA the rates are judged by); `escalate_at` is when the scheduler
-- next looks. State changes are compare-and-set on `status`: two handlers
-- resolving at once, one wins and the other gets 409.
-- A scope is one subtree, and the tree has four fixed levels: the
-- cooperative and group above the complaint are kept beside its path so a
-- staff list is an index range in id order at every level (flat at a
-- million rows), open ones first-class through is_open.
CREATE TABLE IF NOT EXISTS complaints (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id         BIGINT UNSIGNED NOT NULL,
  category_id     BIGINT UNSIGNED NOT NULL,
  text            VARCHAR(1000) NOT NULL,
  building_id     BIGINT UNSIGNED NULL,
  place           VARCHAR(100) NULL,
  unit_id         BIGINT UNSIGNED NOT NULL,
  unit_path       VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  coop_id         BIGINT UNSIGNED NULL,
  group_id        BIGINT UNSIGNED NULL,
  hide_identity   TINYINT(1) NOT NULL DEFAULT 0,
  status          ENUM('submitted','accepted','in_progress','resolved','closed','rejected','reopened') NOT NULL DEFAULT 'submitted',
  handler_unit_id BIGINT UNSIGNED NOT NULL,
  handler_id      BIGINT UNSIGNED NULL,
  created_at      DATETIME(3) NOT NULL,
  respond_due     DATETIME(3) NOT NULL,
  resolve_due     DATETIME(3) NOT NULL,
  escalate_at     DATETIME(3) NULL,
  escalations     TINYINT UNSIGNED NOT NULL DEFAULT 0,
  accepted_at     DATETIME(3) NULL,
  resolved_at     DATETIME(3) NULL,
  closed_at       DATETIME(3) NULL,
  reopened        TINYINT UNSIGNED NOT NULL DEFAULT 0,
  rating          TINYINT UNSIGNED NULL,
  rated_at        DATETIME(3) NULL,
  updated_at      DATETIME(3) NOT NULL,
  -- The resident's unread updates (replies and state changes they see).
  unread          SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  -- A keyed hash of the Idempotency-Key it was filed under: a retry whose
  -- first attempt committed but never answered finds it here.
  request_key     BINARY(32) NULL,
  -- Bumped by every change, so a compare-and-set always counts a row.
  revision        INT UNSIGNED NOT NULL DEFAULT 0,
  is_open         TINYINT(1) AS (status IN ('submitted','accepted','in_progress','reopened')) PERSISTENT,
  KEY complaints_user (user_id, id),
  UNIQUE KEY complaints_request (user_id, request_key),
  KEY complaints_open (is_open, id),
  KEY complaints_coop (coop_id, is_open, id),
  KEY complaints_group (group_id, is_open, id),
  KEY complaints_building (building_id, is_open, id),
  KEY complaints_handler (handler_id, status, id),
  KEY complaints_escalate (escalate_at),
  KEY complaints_resolved (status, resolved_at),
  KEY complaints_created (created_at),
  CONSTRAINT complaints_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT complaints_category_fk FOREIGN KEY (category_id) REFERENCES complaint_categories (id),
  CONSTRAINT complaints_unit_fk FOREIGN KEY (unit_id) REFERENCES units (id),
  CONSTRAINT complaints_handler_unit_fk FOREIGN KEY (handler_unit_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS complaint_photos (
  complaint_id BIGINT UNSIGNED NOT NULL,
  upload_id    BIGINT UNSIGNED NOT NULL,
  position     TINYINT UNSIGNED NOT NULL,
  PRIMARY KEY (complaint_id, position),
  KEY complaint_photos_upload (upload_id),
  CONSTRAINT complaint_photos_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaints (id),
  CONSTRAINT complaint_photos_upload_fk FOREIGN KEY (upload_id) REFERENCES uploads (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- The timeline. actor_id NULL is the system (the scheduler).
CREATE TABLE IF NOT EXISTS complaint_events (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  complaint_id BIGINT UNSIGNED NOT NULL,
  actor_id     BIGINT UNSIGNED NULL,
  actor_role   VARCHAR(20) CHARACTER SET ascii NOT NULL,
  action       ENUM('submit','accept','reply','note','assign','escalate','resolve','reject','reopen','rate','close') NOT NULL,
  from_status  VARCHAR(16) CHARACTER SET ascii NULL,
  to_status    VARCHAR(16) CHARACTER SET ascii NULL,
  text         VARCHAR(1000) NULL,
  rating       TINYINT UNSIGNED NULL,
  target_id    BIGINT UNSIGNED NULL,
  public       TINYINT(1) NOT NULL DEFAULT 1,
  created_at   DATETIME(3) NOT NULL,
  KEY complaint_events_complaint (complaint_id, id),
  CONSTRAINT complaint_events_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- The outbox: what a user should be told, queued in the transaction that
-- made it true and sent later by the scheduler through the sender of the
-- login codes, so a slow sender never slows a request. Also the resident's
-- list of updates (read_at).
CREATE TABLE IF NOT EXISTS notifications (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT UNSIGNED NOT NULL,
  kind         VARCHAR(32) CHARACTER SET ascii NOT NULL,
  subject_id   BIGINT UNSIGNED NULL,
  text         VARCHAR(200) NOT NULL,
  created_at   DATETIME(3) NOT NULL,
  sent_at      DATETIME(3) NULL,
  attempts     TINYINT UNSIGNED NOT NULL DEFAULT 0,
  next_try_at  DATETIME(3) NOT NULL,
  read_at      DATETIME(3) NULL,
  KEY notifications_user (user_id, id),
  KEY notifications_due (sent_at, next_try_at),
  CONSTRAINT notifications_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
