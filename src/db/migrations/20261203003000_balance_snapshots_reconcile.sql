-- Issue 12: month-end balance snapshots, so a balance at an instant adds up at most a month of
-- entries, and the findings of the reconcile job, which compares the three ways to a balance.

-- One row per account and completed month end in São Paulo: as_of is the first instant of the
-- next month there. balance_cents and entry_count are those of the account's entries with
-- created_at <= as_of (exactly what GET /api/accounts/:id/balance?at=as_of sums); entry_count
-- is the position of the last entry included. Derived data, rebuilt by the balance_snapshots
-- job: removing an account that never had an entry (an unused goal) removes its rows too.
CREATE TABLE account_balance_snapshots (
  account_id uuid NOT NULL,
  user_id uuid NOT NULL,
  as_of timestamptz NOT NULL,
  balance_cents bigint NOT NULL,
  entry_count integer NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, as_of),
  CONSTRAINT account_balance_snapshots_entry_count_range CHECK (entry_count >= 0),
  CONSTRAINT account_balance_snapshots_account_fkey FOREIGN KEY (account_id, user_id)
    REFERENCES accounts (id, user_id) ON DELETE CASCADE
);

-- A disagreement between an account's cached balance (accounts.balance_cents), the sum of all
-- its entries, and its latest snapshot plus the entries after it. Never fixed by the job: an
-- operator looks into it and sets resolved_at. The same disagreement (same account, same two
-- differences from the ledger sum) is recorded once while open, however often the job runs
-- and however many postings move all three figures by the same amount since.
CREATE TABLE reconcile_findings (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id uuid NOT NULL,
  user_id uuid NOT NULL,
  found_at timestamptz NOT NULL,
  cached_balance_cents bigint NOT NULL,
  ledger_balance_cents bigint NOT NULL,
  snapshot_balance_cents bigint NOT NULL,
  snapshot_as_of timestamptz,
  resolved_at timestamptz,
  CONSTRAINT reconcile_findings_is_mismatch CHECK (
    cached_balance_cents <> ledger_balance_cents OR snapshot_balance_cents <> ledger_balance_cents),
  CONSTRAINT reconcile_findings_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id)
);
CREATE UNIQUE INDEX reconcile_findings_open_key ON reconcile_findings (
  account_id,
  ((cached_balance_cents::numeric - ledger_balance_cents)),
  ((snapshot_balance_cents::numeric - ledger_balance_cents))
) WHERE resolved_at IS NULL;
CREATE INDEX reconcile_findings_open_idx ON reconcile_findings (found_at DESC, id DESC) WHERE resolved_at IS NULL;

-- balance?at= sums the entries after a snapshot (about a month of one account's entries) and
-- reconcile sums them all: carrying the amount in the index they walk lets both read the index
-- alone (entries are append-only, so their pages soon stay all-visible) instead of one heap
-- page per entry. Same key columns as before, so every other use of the index is unchanged.
DROP INDEX ledger_entries_account_time_idx;
CREATE INDEX ledger_entries_account_time_idx ON ledger_entries (account_id, created_at, id) INCLUDE (amount_cents);
