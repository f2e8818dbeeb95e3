-- Savings goals, monthly budgets and recurring transactions, all on the ledger.

-- A goal keeps its money in an internal ledger account of type 'goal'.
ALTER TABLE accounts DROP CONSTRAINT accounts_type_known;
ALTER TABLE accounts ADD CONSTRAINT accounts_type_known
  CHECK (type IN ('checking', 'savings', 'credit_card', 'cash', 'investment', 'income', 'expense', 'equity', 'goal'));

CREATE TABLE goals (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  account_id uuid NOT NULL,
  name text NOT NULL,
  target_cents bigint NOT NULL,
  target_date date,
  icon text,
  achieved_at timestamptz,
  archived_at timestamptz,
  row_version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT goals_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  CONSTRAINT goals_target_range CHECK (target_cents BETWEEN 1 AND 100000000000),
  CONSTRAINT goals_icon_length CHECK (icon IS NULL OR length(icon) BETWEEN 1 AND 32),
  CONSTRAINT goals_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT goals_account_key UNIQUE (account_id),
  CONSTRAINT goals_id_user_key UNIQUE (id, user_id)
);
CREATE INDEX goals_user_idx ON goals (user_id, created_at DESC, id DESC);

CREATE TABLE budgets (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  category_id uuid NOT NULL,
  month date NOT NULL,
  limit_cents bigint NOT NULL,
  rollover boolean NOT NULL DEFAULT false,
  alert_thresholds integer[] NOT NULL DEFAULT '{80,100}',
  row_version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT budgets_month_first_day CHECK (extract(day FROM month) = 1),
  CONSTRAINT budgets_limit_range CHECK (limit_cents BETWEEN 0 AND 100000000000),
  CONSTRAINT budgets_thresholds CHECK (cardinality(alert_thresholds) BETWEEN 1 AND 5 AND 0 < ALL (alert_thresholds) AND 1000 >= ALL (alert_thresholds)),
  CONSTRAINT budgets_category_fkey FOREIGN KEY (category_id, user_id) REFERENCES categories (id, user_id),
  CONSTRAINT budgets_id_user_key UNIQUE (id, user_id)
);
CREATE UNIQUE INDEX budgets_user_month_category_key ON budgets (user_id, month, category_id);

-- Sent alerts, once per (budget, threshold): a budget row already belongs to one month.
CREATE TABLE budget_alerts (
  budget_id uuid NOT NULL REFERENCES budgets (id),
  threshold integer NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (budget_id, threshold)
);

-- Spending per category and month is read from the expense counterparty's legs.
CREATE INDEX transactions_user_category_day_idx ON transactions (user_id, category_id, occurred_on) WHERE category_id IS NOT NULL;

CREATE TABLE recurring_rules (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  type text NOT NULL,
  account_id uuid NOT NULL,
  to_account_id uuid,
  amount_cents bigint NOT NULL,
  description text NOT NULL,
  category_id uuid,
  schedule jsonb NOT NULL,
  start_on date NOT NULL,
  end_on date,
  occurrences_max integer,
  paused_at timestamptz,
  -- Set on resume: occurrences up to this day that were never materialised are skipped.
  skip_until date,
  ended_at timestamptz,
  row_version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT recurring_type_known CHECK (type IN ('income', 'expense', 'transfer')),
  CONSTRAINT recurring_transfer_target CHECK ((type = 'transfer') = (to_account_id IS NOT NULL)),
  CONSTRAINT recurring_distinct_accounts CHECK (to_account_id IS NULL OR to_account_id <> account_id),
  CONSTRAINT recurring_amount_range CHECK (amount_cents BETWEEN 1 AND 100000000000),
  CONSTRAINT recurring_description_length CHECK (length(description) BETWEEN 1 AND 200),
  CONSTRAINT recurring_dates CHECK (end_on IS NULL OR end_on >= start_on),
  CONSTRAINT recurring_occurrences_max CHECK (occurrences_max IS NULL OR occurrences_max BETWEEN 1 AND 1200),
  CONSTRAINT recurring_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT recurring_to_account_fkey FOREIGN KEY (to_account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT recurring_category_fkey FOREIGN KEY (category_id, user_id) REFERENCES categories (id, user_id),
  CONSTRAINT recurring_id_user_key UNIQUE (id, user_id)
);
CREATE INDEX recurring_rules_user_idx ON recurring_rules (user_id, created_at DESC, id DESC);

-- One row per (rule, day): the natural key that makes materialisation post each
-- occurrence exactly once, however many processes run it.
CREATE TABLE recurring_occurrences (
  rule_id uuid NOT NULL,
  occurs_on date NOT NULL,
  user_id uuid NOT NULL,
  status text NOT NULL,
  transaction_id uuid,
  failure_code text,
  failure_detail text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule_id, occurs_on),
  CONSTRAINT recurring_occurrences_status CHECK (
    (status = 'posted' AND transaction_id IS NOT NULL AND failure_code IS NULL) OR
    (status = 'failed' AND transaction_id IS NULL AND failure_code IS NOT NULL)),
  CONSTRAINT recurring_occurrences_rule_fkey FOREIGN KEY (rule_id, user_id) REFERENCES recurring_rules (id, user_id),
  -- Deferred: the occurrence is claimed (inserted) before its transaction is posted.
  CONSTRAINT recurring_occurrences_transaction_fkey FOREIGN KEY (transaction_id, user_id) REFERENCES transactions (id, user_id)
    DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX recurring_occurrences_transaction_key ON recurring_occurrences (transaction_id) WHERE transaction_id IS NOT NULL;
CREATE INDEX recurring_occurrences_user_failed_idx ON recurring_occurrences (user_id, created_at DESC) WHERE status = 'failed';
