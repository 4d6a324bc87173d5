-- A station's public contact phone (a landline or the duty mobile), shown
-- to volunteers beside "contact the station": not a person's number, so
-- it is stored and shown as it is, not sealed.
ALTER TABLE stations
  ADD COLUMN IF NOT EXISTS phone VARCHAR(20) NULL AFTER opening_hours;
