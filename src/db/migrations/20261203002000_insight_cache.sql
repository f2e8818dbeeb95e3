-- Issue 12: insights computed from the ledger, cached per person, kind and month. A cache,
-- never the source of any balance: a row can be deleted at any time and is recomputed.
-- A posting marks the months it touches (and the later ones, whose comparisons and balance
-- series include them) stale in its own transaction, through the primary key.
CREATE TABLE insight_cache (
  user_id uuid NOT NULL REFERENCES users (id),
  kind text NOT NULL,
  period text NOT NULL,
  payload jsonb,
  computed_at timestamptz,
  stale boolean NOT NULL DEFAULT true,
  PRIMARY KEY (user_id, kind, period),
  CONSTRAINT insight_cache_kind_known CHECK (kind IN ('month')),
  CONSTRAINT insight_cache_period_shape CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  -- payload is NULL while an entry is being computed (see insights.repository claimCache).
  CONSTRAINT insight_cache_computed CHECK ((payload IS NULL) = (computed_at IS NULL))
);
