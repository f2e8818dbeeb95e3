-- Corrections (issue 11): changing a posted income or expense's amount, date or account is
-- a reversal of the original plus a new posting; the new posting names the one it corrects.
-- A transaction is corrected at most once (the unique index), and the link, like every
-- money and identity column, never changes once written.
ALTER TABLE transactions ADD COLUMN corrects_transaction_id uuid;
ALTER TABLE transactions
  ADD CONSTRAINT transactions_corrects_fkey FOREIGN KEY (corrects_transaction_id, user_id) REFERENCES transactions (id, user_id);
ALTER TABLE transactions
  ADD CONSTRAINT transactions_correction_kind CHECK (corrects_transaction_id IS NULL OR kind IN ('income', 'expense'));
CREATE UNIQUE INDEX transactions_corrects_key ON transactions (corrects_transaction_id) WHERE corrects_transaction_id IS NOT NULL;

-- The guard of 20261129235900_pix.sql, with corrects_transaction_id among the immutable columns.
CREATE OR REPLACE FUNCTION transactions_guard_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'transactions are never removed: % refused', TG_OP USING ERRCODE = 'raise_exception';
  END IF;
  IF (NEW.id, NEW.user_id, NEW.kind, NEW.account_id, NEW.counterparty_account_id, NEW.amount_cents, NEW.occurred_on,
      NEW.policy_version, NEW.reverses_transaction_id, NEW.corrects_transaction_id, NEW.idempotency_key, NEW.request_id,
      NEW.created_at, NEW.payee_name, NEW.payee_city, NEW.pix_txid, NEW.pix_charge_id)
     IS DISTINCT FROM
     (OLD.id, OLD.user_id, OLD.kind, OLD.account_id, OLD.counterparty_account_id, OLD.amount_cents, OLD.occurred_on,
      OLD.policy_version, OLD.reverses_transaction_id, OLD.corrects_transaction_id, OLD.idempotency_key, OLD.request_id,
      OLD.created_at, OLD.payee_name, OLD.payee_city, OLD.pix_txid, OLD.pix_charge_id) THEN
    RAISE EXCEPTION 'transactions: money and identity columns are immutable' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END;
$$;
