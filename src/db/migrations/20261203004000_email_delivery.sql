-- Issue 12, e-mail: the server's own secrets (the key that signs unsubscribe links), and
-- what the outbox needs to be sent exactly once and to stay bounded.

-- Secrets the server generates for itself on first use, so a self-hosted install needs no
-- configuration to sign links. A backup carries them; whoever reads the backup can forge
-- unsubscribe links (turn someone's e-mails off) and nothing more.
CREATE TABLE server_secrets (
  name text PRIMARY KEY,
  value bytea NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT server_secrets_name_length CHECK (length(name) BETWEEN 1 AND 64),
  CONSTRAINT server_secrets_value_length CHECK (length(value) BETWEEN 32 AND 64)
);

-- When the worker last took the row to send it: a row still pending whose claim is recent
-- is being sent (its next_attempt_at is pushed past the claim's lease meanwhile).
ALTER TABLE email_outbox ADD COLUMN claimed_at timestamptz;
-- The worker expires and purges by age.
CREATE INDEX email_outbox_created_idx ON email_outbox (created_at);
