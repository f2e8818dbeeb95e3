-- Rate-limit counters, shared by every API process and kept across restarts. One row per
-- key: a SHA-256 of the limit's scope and subject (address, e-mail, device), never the
-- subject itself. Fixed windows: the row counts hits until window_ends_at; the next hit
-- after that starts a new window. A job deletes rows whose window has ended.
CREATE TABLE rate_limits (
  key bytea PRIMARY KEY,
  hits integer NOT NULL,
  window_ends_at timestamptz NOT NULL,
  CONSTRAINT rate_limits_key_length CHECK (octet_length(key) = 32),
  CONSTRAINT rate_limits_hits_positive CHECK (hits > 0)
) WITH (fillfactor = 80);
CREATE INDEX rate_limits_window_ends_at_idx ON rate_limits (window_ends_at);

-- Browsers that have signed in to an account before. Each holds a long-lived random
-- token in an httpOnly cookie; only its SHA-256 is stored. A known device may still sign
-- in after strangers have used up the account's per-e-mail attempts.
CREATE TABLE known_devices (
  token_hash bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  CONSTRAINT known_devices_token_hash_length CHECK (octet_length(token_hash) = 32),
  CONSTRAINT known_devices_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX known_devices_user_id_idx ON known_devices (user_id, created_at);
CREATE INDEX known_devices_expires_at_idx ON known_devices (expires_at);
