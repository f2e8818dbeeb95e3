-- accounts and transactions refuse a deleted person's new row too (the function of
-- 20261206000000_deleted_person_writes.sql). That migration left them out on the premise that
-- the deletion's locking and archiving of the accounts stops every posting; it does not: a new
-- account waits only on its foreign key to the person's row, and a reversal may post on
-- archived accounts, so both landed after the erasure with the person's text. The locking read
-- costs about 2 µs a row (docs/PERFORMANCE.md). Still not guarded: ledger_entries and the card
-- tables, written only with a transaction of the same person; recurring_occurrences, claimed
-- under a share lock of a rule the deletion erases; account_balance_snapshots, the ledger's
-- balances; idempotency_keys, written only in the transaction of the write it answers;
-- privacy_requests, the deletion's own record; access_log and reconcile_findings, records kept
-- for their own periods.
CREATE TRIGGER accounts_not_for_deleted_person BEFORE INSERT ON accounts
  FOR EACH ROW EXECUTE FUNCTION refuse_write_for_deleted_person();
CREATE TRIGGER transactions_not_for_deleted_person BEFORE INSERT ON transactions
  FOR EACH ROW EXECUTE FUNCTION refuse_write_for_deleted_person();
