-- Photos uploaded by a user before they are attached to something (a
-- complaint today, a directive's evidence later). The image itself is
-- decoded, rotated, stripped of every metadata block (EXIF GPS first) and
-- re-encoded by a separate process; what is kept is a display size and a
-- thumbnail under var/uploads/, named by the SHA-256 of the display file.
-- The id is what clients hold; the hash never leaves the server.
CREATE TABLE IF NOT EXISTS uploads (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,
  sha256     CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  width      INT UNSIGNED NOT NULL,
  height     INT UNSIGNED NOT NULL,
  bytes      INT UNSIGNED NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY uploads_user (user_id, id),
  KEY uploads_sha (sha256),
  CONSTRAINT uploads_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
