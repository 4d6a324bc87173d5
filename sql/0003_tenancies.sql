-- Residence registration (居住登记) and check-ins (DESIGN.md, "Renter
-- registration", "Check-in"). ID and phone numbers are sealed (AEAD under
-- pii_key) with a keyed blind index, like users.phone_*.
CREATE TABLE IF NOT EXISTS tenancies (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id          BIGINT UNSIGNED NOT NULL,
  building_id      BIGINT UNSIGNED NOT NULL,
  status           ENUM('pending','active','rejected','ended') NOT NULL DEFAULT 'pending',
  name             VARCHAR(64) NOT NULL,
  id_type          ENUM('resident_id','hk_macao','taiwan','passport','other') NOT NULL,
  id_sealed        VARBINARY(128) NOT NULL,
  id_index         BINARY(32) NOT NULL,
  phone_sealed     VARBINARY(128) NOT NULL,
  room             VARCHAR(32) NOT NULL,
  move_in          DATE NOT NULL,
  reason           ENUM('work','business','family','study','other') NOT NULL,
  employer         VARCHAR(100) NULL,
  members_sealed   VARBINARY(8192) NULL,
  members_count    TINYINT UNSIGNED NOT NULL DEFAULT 0,
  decided_by       BIGINT UNSIGNED NULL,
  decided_at       DATETIME(3) NULL,
  reject_reason    VARCHAR(200) NULL,
  ended_by         BIGINT UNSIGNED NULL,
  ended_at         DATETIME(3) NULL,
  end_reason       VARCHAR(200) NULL,
  last_verified_at DATETIME(3) NULL,
  created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  -- One open (pending or active) tenancy per person and per ID number,
  -- kept by the database: two registrations at once, one wins.
  open_user        BIGINT UNSIGNED AS (IF(status IN ('pending','active'), user_id, NULL)) PERSISTENT,
  open_id          BINARY(32) AS (IF(status IN ('pending','active'), id_index, NULL)) PERSISTENT,
  UNIQUE KEY tenancies_open_user (open_user),
  UNIQUE KEY tenancies_open_id (open_id),
  KEY tenancies_building (building_id, status, id),
  KEY tenancies_user (user_id, id),
  KEY tenancies_pending (status, created_at),
  CONSTRAINT tenancies_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT tenancies_building_fk FOREIGN KEY (building_id) REFERENCES buildings (unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- Scans of a building's code: a resident confirming they live there, or
-- staff on patrol. Purged after checkin_retention_days by huzu purge.
-- A scan within 10 minutes of the last one is found by a plain read; two
-- at the same instant (a double tap) meet in the unique 10-minute slot.
-- No locking read: under load those gap locks deadlocked each other.
CREATE TABLE IF NOT EXISTS checkins (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT UNSIGNED NOT NULL,
  building_id BIGINT UNSIGNED NOT NULL,
  kind        ENUM('residence','patrol') NOT NULL,
  at          DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  slot        BIGINT UNSIGNED NOT NULL,
  UNIQUE KEY checkins_slot (user_id, building_id, slot),
  KEY checkins_user (user_id, building_id, at),
  KEY checkins_building (building_id, at),
  KEY checkins_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
