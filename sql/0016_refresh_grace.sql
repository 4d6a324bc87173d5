-- The scheduler's purge_refresh_grace forgets the successors kept past the
-- grace interval; this index finds the few rows that still hold one.
ALTER TABLE refresh_tokens
  ADD KEY IF NOT EXISTS refresh_sealed (successor_sealed(1));
