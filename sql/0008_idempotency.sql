-- Idempotency keys (DESIGN.md, "Writes a phone may retry"): the first
-- answer to a write sent with an Idempotency-Key, kept so that a retry on
-- a bad network gets that answer again instead of writing twice.
-- Keys are per user: the primary key is (user, keyed hash of the key); the
-- raw key is never stored. Claiming a key is inserting its row (a
-- duplicate on the primary key means someone had it first): no gap locks
-- and no LOCK TABLES, so it certifies on Galera like any insert.
-- `owner` is a random value per claim: finishing or forgetting a claim
-- names it, so a worker whose claim was taken over (it stayed `running`
-- too long, core/idempotency.c) can no longer write the answer.
-- Purged after 24 hours (hz_idempotency_purge).
CREATE TABLE IF NOT EXISTS idempotency_keys (
  user_id      BIGINT UNSIGNED NOT NULL,
  key_hash     BINARY(32) NOT NULL,
  request_hash BINARY(32) NOT NULL,
  owner        BINARY(16) NOT NULL,
  state        ENUM('running', 'done') NOT NULL DEFAULT 'running',
  status       SMALLINT UNSIGNED NULL,
  content_type VARCHAR(128) CHARACTER SET ascii NULL,
  headers      TEXT CHARACTER SET ascii NULL,
  body         MEDIUMBLOB NULL,
  created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  claimed_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (user_id, key_hash),
  KEY idempotency_created (created_at),
  CONSTRAINT idempotency_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
