-- Identity and the org tree (DESIGN.md, "The org tree" and "Who uses it").
-- village → cooperative → group → building, one table with a materialised
-- path ('/1/4/9/', ids from the root, this unit included), so "is X in the
-- subtree of Y" is "X.path LIKE CONCAT(Y.path, '%')" on an index.
CREATE TABLE IF NOT EXISTS units (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id   BIGINT UNSIGNED NULL,
  kind        ENUM('village','cooperative','group','building') NOT NULL,
  name        VARCHAR(100) NOT NULL,
  code        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
  path        VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY units_code (code),
  UNIQUE KEY units_path (path),
  KEY units_parent (parent_id, id),
  CONSTRAINT units_parent_fk FOREIGN KEY (parent_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- People: staff log in with a username and password (Argon2id), residents
-- with a phone code or WeChat. Phone numbers are sealed (libsodium AEAD)
-- and found through a keyed blind index; the clear number is never stored.
CREATE TABLE IF NOT EXISTS users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind          ENUM('staff','resident') NOT NULL,
  username      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NULL,
  password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
  display_name  VARCHAR(64) NOT NULL,
  phone_sealed  VARBINARY(128) NULL,
  phone_index   BINARY(32) NULL,
  wechat_index  BINARY(32) NULL,
  disabled      TINYINT(1) NOT NULL DEFAULT 0,
  -- Bumped by every change to what the user may do (a role granted or
  -- revoked, a unit of theirs renamed): workers cache a user's grants and
  -- check this one number on each request instead of reloading them.
  authz_version INT UNSIGNED NOT NULL DEFAULT 0,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY users_username (username),
  UNIQUE KEY users_phone (phone_index),
  UNIQUE KEY users_wechat (wechat_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS buildings (
  unit_id      BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  lane         VARCHAR(100) NOT NULL,
  door_no      VARCHAR(32) NOT NULL,
  rooms        VARCHAR(1000) NULL,
  head_user_id BIGINT UNSIGNED NULL,
  qr_serial    INT UNSIGNED NOT NULL DEFAULT 1,
  UNIQUE KEY buildings_address (lane, door_no),
  KEY buildings_head (head_user_id),
  CONSTRAINT buildings_unit_fk FOREIGN KEY (unit_id) REFERENCES units (id),
  CONSTRAINT buildings_head_fk FOREIGN KEY (head_user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS stations (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  unit_id    BIGINT UNSIGNED NOT NULL,
  kind       ENUM('culture','elderly_care','women_children') NOT NULL,
  name       VARCHAR(100) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY stations_name (unit_id, name),
  CONSTRAINT stations_unit_fk FOREIGN KEY (unit_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- A role held at a unit reaches that unit's whole subtree.
CREATE TABLE IF NOT EXISTS role_assignments (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,
  role       ENUM('building_head','group_leader','cadre','admin','station_manager') NOT NULL,
  unit_id    BIGINT UNSIGNED NOT NULL,
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY roles_unique (user_id, role, unit_id),
  KEY roles_unit (unit_id),
  CONSTRAINT roles_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT roles_unit_fk FOREIGN KEY (unit_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- Refresh tokens: only a SHA-256 of the token is kept. Each login starts a
-- family; every refresh marks the old token used and issues the next one in
-- the same family. A used token presented again means it was stolen: the
-- whole family is revoked.
CREATE TABLE IF NOT EXISTS refresh_tokens (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,
  family     BINARY(16) NOT NULL,
  token_hash BINARY(32) NOT NULL,
  state      ENUM('active','used','revoked') NOT NULL DEFAULT 'active',
  expires_at DATETIME(3) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY refresh_hash (token_hash),
  KEY refresh_family (family),
  KEY refresh_user (user_id),
  CONSTRAINT refresh_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- One-time login codes: a keyed hash of the code, 5 minutes, 5 tries.
CREATE TABLE IF NOT EXISTS login_codes (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone_index BINARY(32) NOT NULL,
  code_hash   BINARY(32) NOT NULL,
  ip          VARCHAR(45) CHARACTER SET ascii NOT NULL,
  tries       TINYINT UNSIGNED NOT NULL DEFAULT 0,
  used        TINYINT(1) NOT NULL DEFAULT 0,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at  DATETIME(3) NOT NULL,
  KEY codes_phone (phone_index, id),
  KEY codes_ip (ip, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

ALTER TABLE audit_log ADD KEY IF NOT EXISTS audit_action (action, id);
