-- An Idempotency-Key's write and the key's row commit together
-- (core/idempotency.c): every transaction a request runs under its claim
-- bumps `commits` on the claim's row before its COMMIT, in the same
-- transaction. A COMMIT whose answer was lost (error 1180, a dropped
-- connection, a stall) has an unknown outcome; the row then tells a retry
-- what happened: commits = 0, nothing of the request was committed and it
-- may run again; commits > 0, it was, and it must not run twice.
-- A counter rather than a flag: the second transaction of a request
-- changes the row too, so the marker can check that it did (affected 1).
ALTER TABLE idempotency_keys
  ADD COLUMN IF NOT EXISTS commits INT UNSIGNED NOT NULL DEFAULT 0;
