-- Issue 12, the pages feel finished: what the new page features keep.

-- The refresh grace. Two tabs whose access token expired together both
-- present the same refresh token; the second one, within refresh_grace
-- seconds of the first and while the token it was spent for is unused,
-- is answered with that same successor instead of tripping the reuse
-- alarm. The successor is kept sealed (AEAD under pii_key), and only for
-- the grace interval.
ALTER TABLE refresh_tokens
  ADD COLUMN IF NOT EXISTS used_at DATETIME(3) NULL,
  ADD COLUMN IF NOT EXISTS successor_sealed VARBINARY(128) NULL;

-- Signing in inside WeChat's browser: the official account's openid
-- (web authorisation, snsapi_base), a keyed blind index like the
-- mini-program's wechat_index, bound to a phone with one code the first
-- time. A building head may publish their phone on their buildings'
-- landing page, off by default.
ALTER TABLE users
  ADD COLUMN IF NOT EXISTS wechat_oa_index BINARY(32) NULL,
  ADD COLUMN IF NOT EXISTS phone_public TINYINT(1) NOT NULL DEFAULT 0,
  ADD UNIQUE KEY IF NOT EXISTS users_wechat_oa (wechat_oa_index);

-- Consent before personal data is collected (PIPL): who accepted which
-- version of which document, and when.
CREATE TABLE IF NOT EXISTS consents (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT UNSIGNED NOT NULL,
  document    ENUM('privacy','terms') NOT NULL,
  version     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  accepted_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY consents_user (user_id, document, version),
  CONSTRAINT consents_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- WeChat's access token and jsapi ticket are fetched at most once per
-- expiry for the whole deployment (WeChat limits the fetches per day),
-- so every worker on every host reads them here. Sealed like PII.
CREATE TABLE IF NOT EXISTS wechat_cache (
  name         VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  value_sealed VARBINARY(1024) NOT NULL,
  expires_at   DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
