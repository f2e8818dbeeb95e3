-- Issue 12: every job run is recorded, and jobs write in-app notifications by natural key.

-- One row per run of a job, written when the run starts (status 'running') and finished by it.
-- A run whose process died stays 'running' until the next run of the job takes the job's lock
-- (which proves nobody is running it any more) and marks it 'died'.
CREATE TABLE job_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job text NOT NULL,
  trigger text NOT NULL,
  worker text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status text NOT NULL DEFAULT 'running',
  items integer NOT NULL DEFAULT 0,
  error_summary text,
  CONSTRAINT job_runs_job_length CHECK (length(job) BETWEEN 1 AND 64),
  CONSTRAINT job_runs_trigger_known CHECK (trigger IN ('schedule', 'command')),
  CONSTRAINT job_runs_worker_length CHECK (length(worker) BETWEEN 1 AND 200),
  CONSTRAINT job_runs_status_known CHECK (status IN ('running', 'succeeded', 'failed', 'died')),
  CONSTRAINT job_runs_finished CHECK ((status = 'running') = (finished_at IS NULL)),
  CONSTRAINT job_runs_items_range CHECK (items >= 0),
  CONSTRAINT job_runs_error_length CHECK (error_summary IS NULL OR length(error_summary) <= 500)
);
CREATE INDEX job_runs_job_started_idx ON job_runs (job, started_at DESC, id DESC);
CREATE INDEX job_runs_running_idx ON job_runs (job) WHERE status = 'running';

-- A person's in-app notifications. The natural key (user, kind, dedupe_key) makes each one
-- exactly once however many workers or retries write it: a budget alert is keyed by budget
-- and threshold, a weekly summary by ISO week. The text is built on the screen from `params`
-- in the reader's language; `link` is the app path it is about.
CREATE TABLE notifications (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  kind text NOT NULL,
  dedupe_key text NOT NULL,
  params jsonb NOT NULL DEFAULT '{}',
  link text NOT NULL,
  created_at timestamptz NOT NULL,
  read_at timestamptz,
  CONSTRAINT notifications_kind_known CHECK (kind IN ('budget_alert', 'weekly_summary')),
  CONSTRAINT notifications_dedupe_key_length CHECK (length(dedupe_key) BETWEEN 1 AND 200),
  CONSTRAINT notifications_link_app_path CHECK (link ~ '^/[^/]' AND length(link) <= 500),
  CONSTRAINT notifications_params_object CHECK (jsonb_typeof(params) = 'object'),
  CONSTRAINT notifications_natural_key UNIQUE (user_id, kind, dedupe_key),
  CONSTRAINT notifications_id_user_key UNIQUE (id, user_id)
);
-- Unread first, newest first, per person.
CREATE INDEX notifications_user_list_idx ON notifications (user_id, (read_at IS NOT NULL), created_at DESC, id DESC);

-- A notification the person turned off in the app is still written (it keeps its natural key
-- and can go by e-mail), but is not listed.
ALTER TABLE notifications ADD COLUMN in_app boolean NOT NULL DEFAULT true;

-- Per person and kind, where notifications go. No row: in the app and by e-mail.
CREATE TABLE notification_preferences (
  user_id uuid NOT NULL REFERENCES users (id),
  kind text NOT NULL,
  in_app boolean NOT NULL DEFAULT true,
  email boolean NOT NULL DEFAULT true,
  row_version integer NOT NULL DEFAULT 1,
  CONSTRAINT notification_preferences_kind_known CHECK (kind IN ('budget_alert', 'weekly_summary')),
  PRIMARY KEY (user_id, kind)
);

-- E-mails to send, exactly one per notification (UNIQUE), written in the same transaction as
-- the notification and sent by the worker (send_emails), retried with backoff on SMTP failure.
-- The address is read when sending, so a changed e-mail is honoured.
CREATE TABLE email_outbox (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  notification_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL,
  CONSTRAINT email_outbox_status_known CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
  CONSTRAINT email_outbox_sent CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CONSTRAINT email_outbox_attempts_range CHECK (attempts >= 0),
  CONSTRAINT email_outbox_error_length CHECK (last_error IS NULL OR length(last_error) <= 500),
  CONSTRAINT email_outbox_notification_key UNIQUE (notification_id),
  CONSTRAINT email_outbox_notification_fkey FOREIGN KEY (notification_id, user_id) REFERENCES notifications (id, user_id)
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status = 'pending';
