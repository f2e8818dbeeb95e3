-- The database's bounds on transactions.occurred_on become the code's (OCCURRED_ON_MIN and
-- OCCURRED_ON_MAX in src/policies/ledger_v1.ts): 2000-01-01 to 2099-12-31. Before, the
-- check allowed 1900 to 2999, so a writer that skipped the code's check could post a day
-- the API refuses and the app cannot show. Every writer goes through that check, so no
-- existing row lies outside the new bounds; if one did, this migration fails rather than
-- keep it.
ALTER TABLE transactions DROP CONSTRAINT transactions_occurred_on_range;
ALTER TABLE transactions
  ADD CONSTRAINT transactions_occurred_on_range CHECK (occurred_on BETWEEN DATE '2000-01-01' AND DATE '2099-12-31');
