-- Issue 13, retention: spent refresh tokens are deleted seven days after
-- they were used, their session was ended, or they expired
-- (core/retention.c). These keys let the scheduler find them each run
-- without reading the whole table.
ALTER TABLE refresh_tokens
  ADD KEY IF NOT EXISTS refresh_expires (expires_at),
  ADD KEY IF NOT EXISTS refresh_used (used_at);
ALTER TABLE sessions
  ADD KEY IF NOT EXISTS sessions_revoked (revoked_at);
