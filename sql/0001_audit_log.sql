-- The append-only audit trail (DESIGN.md, "Security and privacy"): who did
-- what to which row, when, under which request. Rows are only ever
-- inserted; the application never updates or deletes them.
CREATE TABLE IF NOT EXISTS audit_log (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at          DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  actor_id    BIGINT UNSIGNED NULL,
  action      VARCHAR(64) NOT NULL,
  target_type VARCHAR(32) NULL,
  target_id   BIGINT UNSIGNED NULL,
  request_id  VARCHAR(64) NULL,
  detail      JSON NULL,
  KEY audit_target (target_type, target_id, id),
  KEY audit_actor (actor_id, id),
  KEY audit_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
