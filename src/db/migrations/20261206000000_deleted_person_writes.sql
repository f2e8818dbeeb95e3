-- Nothing personal is written for a deleted person. The deletion holds the person's row
-- FOR UPDATE from its start to its commit; a write that began before it and inserts one of
-- the person's rows waits here on a locking read of that row, then sees the deletion's
-- outcome (a locking read looks at the newest version) and is refused with SQLSTATE VD001,
-- which the API answers 401 unauthenticated. Without it such a write waited only on its
-- foreign key and landed after the erasure. A write that inserts first is committed before
-- the deletion can lock the row, and the deletion then erases it with the rest.
--
-- Not guarded: the ledger's road (accounts, transactions, ledger_entries, the card tables
-- written with a posting, recurring_occurrences, account_balance_snapshots), whose writes
-- lock the person's accounts, which the deletion locks and archives first; idempotency_keys,
-- written only in the transaction of the write it answers; privacy_requests, the deletion's
-- own record; access_log and reconcile_findings, records kept for their own periods.
CREATE FUNCTION refuse_write_for_deleted_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM users WHERE id = NEW.user_id AND deleted_at IS NULL FOR KEY SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'this person''s account was deleted' USING ERRCODE = 'VD001';
  END IF;
  RETURN NEW;
END $$;

DO $$
DECLARE
  guarded text;
BEGIN
  FOREACH guarded IN ARRAY ARRAY[
    'budget_alerts', 'budgets', 'card_schedules', 'categories', 'consents', 'email_outbox', 'goals',
    'import_dedupe', 'import_lines', 'import_mappings', 'import_rules', 'imports', 'insight_cache',
    'known_devices', 'notification_preferences', 'notifications', 'pix_charges', 'pix_keys',
    'recurring_rules', 'sessions'
  ] LOOP
    EXECUTE format(
      'CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW EXECUTE FUNCTION refuse_write_for_deleted_person()',
      guarded || '_not_for_deleted_person', guarded);
  END LOOP;
END $$;
