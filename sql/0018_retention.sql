-- Issue 13, retention of personal data (PIPL). A registration that ended
-- (or was rejected) longer ago than tenancy_retention_days has its ID
-- number, phone and household members erased; the row stays, so every
-- count and the chain of who decided what stay as they were.
ALTER TABLE tenancies
  MODIFY id_sealed VARBINARY(128) NULL,
  MODIFY id_index BINARY(32) NULL,
  MODIFY phone_sealed VARBINARY(128) NULL,
  ADD COLUMN IF NOT EXISTS erased_at DATETIME(3) NULL,
  ADD KEY IF NOT EXISTS tenancies_closed (status, erased_at, ended_at);
