-- Issue 13, LGPD: deletion of an account, the record of privacy requests, and the access log
-- Marco Civil da Internet (art. 15) asks an application to keep for six months.

-- A deleted person keeps a row (accounts, transactions and entries point at it and must stay,
-- so the books still balance), stripped of everything personal; deleted_at is when. Nobody
-- can sign in to such a row: its e-mail is replaced and its password hash is a random one.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;

-- What was asked under LGPD Art. 18 and when it was done. No personal data: the kind and two
-- instants, tied to the (anonymised) person's id.
CREATE TABLE privacy_requests (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  kind text NOT NULL,
  requested_at timestamptz NOT NULL,
  completed_at timestamptz,
  CONSTRAINT privacy_requests_kind_known CHECK (kind IN ('export', 'deletion')),
  CONSTRAINT privacy_requests_completed_after CHECK (completed_at IS NULL OR completed_at >= requested_at)
);
CREATE INDEX privacy_requests_user_idx ON privacy_requests (user_id, requested_at DESC);
-- A person is deleted at most once: a second deletion cannot even be recorded.
CREATE UNIQUE INDEX privacy_requests_one_deletion_key ON privacy_requests (user_id) WHERE kind = 'deletion';

-- One row per successful sign-in or sign-up: who, from which address, when. Kept six months
-- (the purge_access_log job deletes older rows), also after the person deletes the account:
-- the law requires the record, and that is its only use.
CREATE TABLE access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  ip inet NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX access_log_at_idx ON access_log (at);
CREATE INDEX access_log_user_idx ON access_log (user_id, at);

-- The guard of 20261202002000_corrections.sql, with one narrow exception: while a deletion of
-- person P runs, its transaction sets vai_de_pix.anonymising_user to P's id
-- (set_config(..., true): it ends with the transaction), and P's transactions may then have
-- the free-text and external identifiers that are immutable otherwise (payee name and city,
-- Pix txid, the charge deleted with them, the client's idempotency key, the request id) set
-- to NULL, and nothing else changed. Every money column stays as it was, for P as for anyone.
CREATE OR REPLACE FUNCTION transactions_guard_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'transactions are never removed: % refused', TG_OP USING ERRCODE = 'raise_exception';
  END IF;
  IF current_setting('vai_de_pix.anonymising_user', true) = OLD.user_id::text
     AND NEW.payee_name IS NULL AND NEW.payee_city IS NULL AND NEW.pix_txid IS NULL AND NEW.pix_charge_id IS NULL
     AND NEW.idempotency_key IS NULL AND NEW.request_id IS NULL
     AND (NEW.id, NEW.user_id, NEW.kind, NEW.account_id, NEW.counterparty_account_id, NEW.amount_cents, NEW.occurred_on,
          NEW.policy_version, NEW.reverses_transaction_id, NEW.corrects_transaction_id, NEW.created_at)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.user_id, OLD.kind, OLD.account_id, OLD.counterparty_account_id, OLD.amount_cents, OLD.occurred_on,
          OLD.policy_version, OLD.reverses_transaction_id, OLD.corrects_transaction_id, OLD.created_at) THEN
    RETURN NEW;
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
