-- Stations and volunteer shifts (README "Volunteers").
--
-- A station gets the details residents need to find it, a manager (a user
-- holding the station_manager role at a unit above the station), and a
-- poster serial of its own: rotating it voids the station's old posters,
-- never a building's.
ALTER TABLE stations
  ADD COLUMN IF NOT EXISTS address         VARCHAR(200) NULL,
  ADD COLUMN IF NOT EXISTS opening_hours   VARCHAR(200) NULL,
  ADD COLUMN IF NOT EXISTS description     VARCHAR(1000) NULL,
  ADD COLUMN IF NOT EXISTS manager_user_id BIGINT UNSIGNED NULL,
  ADD COLUMN IF NOT EXISTS qr_serial       INT UNSIGNED NOT NULL DEFAULT 1,
  ADD KEY IF NOT EXISTS stations_manager (manager_user_id);

-- One row per call that made a repeating series (every Saturday morning
-- for 8 weeks), so the shifts it made can be told apart later.
CREATE TABLE IF NOT EXISTS shift_series (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  station_id  BIGINT UNSIGNED NOT NULL,
  every_days  SMALLINT UNSIGNED NOT NULL,
  count       SMALLINT UNSIGNED NOT NULL,
  created_by  BIGINT UNSIGNED NULL,
  created_at  DATETIME(3) NOT NULL,
  CONSTRAINT shift_series_station_fk FOREIGN KEY (station_id) REFERENCES stations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- A shift keeps its own counters: `confirmed` is only ever raised by
--   UPDATE shifts SET confirmed = confirmed + 1 WHERE id = ? AND confirmed < capacity
-- inside the sign-up's transaction, which also holds the shift's row lock,
-- so no interleaving of sign-ups can confirm more than `capacity` (and on
-- Galera the same update is what two nodes conflict on at certification).
-- `queue_seq` numbers every sign-up in arrival order; the waiting list is
-- promoted in that order.
CREATE TABLE IF NOT EXISTS shifts (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  station_id       BIGINT UNSIGNED NOT NULL,
  series_id        BIGINT UNSIGNED NULL,
  title            VARCHAR(100) NOT NULL,
  description      VARCHAR(1000) NULL,
  requirements     VARCHAR(500) NULL,
  starts_at        DATETIME NOT NULL,
  ends_at          DATETIME NOT NULL,
  signup_deadline  DATETIME NOT NULL,
  cancel_deadline  DATETIME NOT NULL,
  capacity         SMALLINT UNSIGNED NOT NULL,
  confirmed        SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  waiting          SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  queue_seq        INT UNSIGNED NOT NULL DEFAULT 0,
  status           ENUM('open','cancelled') NOT NULL DEFAULT 'open',
  cancel_reason    VARCHAR(200) NULL,
  reminded_at      DATETIME(3) NULL,
  closed_at        DATETIME(3) NULL,
  created_by       BIGINT UNSIGNED NULL,
  created_at       DATETIME(3) NOT NULL,
  updated_at       DATETIME(3) NOT NULL,
  revision         INT UNSIGNED NOT NULL DEFAULT 0,
  KEY shifts_station (station_id, starts_at),
  KEY shifts_starts (starts_at),
  KEY shifts_open_end (closed_at, ends_at),
  KEY shifts_series (series_id),
  CONSTRAINT shifts_station_fk FOREIGN KEY (station_id) REFERENCES stations (id),
  CONSTRAINT shifts_series_fk FOREIGN KEY (series_id) REFERENCES shift_series (id),
  CONSTRAINT shifts_times CHECK (ends_at > starts_at AND signup_deadline <= ends_at AND cancel_deadline <= starts_at),
  CONSTRAINT shifts_capacity CHECK (confirmed <= capacity)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- One row per volunteer and shift, kept through cancellation (so a
-- manager sees who withdrew, and a new sign-up reuses it with a new place
-- in the queue). Attendance lives here too: the station-code scans and the
-- minutes they earn (the time inside the shift, rounded to 15 minutes),
-- filled at check-out or, for a missing check-out, when the shift closes.
CREATE TABLE IF NOT EXISTS shift_signups (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  shift_id        BIGINT UNSIGNED NOT NULL,
  user_id         BIGINT UNSIGNED NOT NULL,
  station_id      BIGINT UNSIGNED NOT NULL,
  status          ENUM('confirmed','waiting','cancelled','removed','no_show') NOT NULL,
  queue_no        INT UNSIGNED NOT NULL,
  signed_up_at    DATETIME(3) NOT NULL,
  confirmed_at    DATETIME(3) NULL,
  cancelled_at    DATETIME(3) NULL,
  checked_in_at   DATETIME NULL,
  checked_out_at  DATETIME NULL,
  minutes         SMALLINT UNSIGNED NULL,
  -- The shift's end, copied, so hours per month and the no-show count
  -- read one index range.
  shift_ends_at   DATETIME NOT NULL,
  updated_at      DATETIME(3) NOT NULL,
  UNIQUE KEY signups_one (shift_id, user_id),
  KEY signups_queue (shift_id, status, queue_no),
  KEY signups_user (user_id, id),
  KEY signups_user_end (user_id, status, shift_ends_at),
  KEY signups_station_end (station_id, shift_ends_at),
  CONSTRAINT signups_shift_fk FOREIGN KEY (shift_id) REFERENCES shifts (id),
  CONSTRAINT signups_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT signups_station_fk FOREIGN KEY (station_id) REFERENCES stations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- Three no-shows in 90 days pause sign-up for 30 days (config
-- volunteer_noshow_limit, volunteer_noshow_days, volunteer_pause_days).
CREATE TABLE IF NOT EXISTS volunteer_pauses (
  user_id       BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  paused_until  DATETIME NOT NULL,
  no_shows      SMALLINT UNSIGNED NOT NULL,
  updated_at    DATETIME(3) NOT NULL,
  CONSTRAINT volunteer_pauses_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
