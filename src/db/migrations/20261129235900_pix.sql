-- Pix: the key a person receives on for each account ("Receber via Pix"), the charges
-- built from it, and on transactions the payee and txid of a paid Pix and the charge an
-- income settles. Every row carries user_id; composite foreign keys keep users apart.

CREATE TABLE pix_keys (
  account_id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  key text NOT NULL,
  key_type text NOT NULL,
  -- What a payer's bank shows: the BR Code's receiver name (59) and city (60), plain ASCII.
  merchant_name text NOT NULL,
  merchant_city text NOT NULL,
  row_version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pix_keys_type_known CHECK (key_type IN ('cpf', 'cnpj', 'email', 'phone', 'evp')),
  CONSTRAINT pix_keys_key_length CHECK (length(key) BETWEEN 1 AND 77),
  CONSTRAINT pix_keys_merchant_name_length CHECK (length(merchant_name) BETWEEN 1 AND 25),
  CONSTRAINT pix_keys_merchant_city_length CHECK (length(merchant_city) BETWEEN 1 AND 15),
  CONSTRAINT pix_keys_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id)
);
-- In the Banco Central's directory a key points at one account, so a person cannot give
-- one key to two of their accounts. Other people may (no cross-user check: it would leak).
CREATE UNIQUE INDEX pix_keys_user_key ON pix_keys (user_id, key);

-- A charge is written once and never changed: whether it was received is the existence
-- of the income transaction that points at it (transactions.pix_charge_id, below).
CREATE TABLE pix_charges (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  account_id uuid NOT NULL,
  pix_key text NOT NULL,
  key_type text NOT NULL,
  merchant_name text NOT NULL,
  merchant_city text NOT NULL,
  amount_cents bigint,
  description text,
  txid text NOT NULL,
  payload text NOT NULL,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pix_charges_amount_range CHECK (amount_cents IS NULL OR amount_cents BETWEEN 1 AND 100000000000),
  CONSTRAINT pix_charges_txid_format CHECK (txid ~ '^[A-Za-z0-9]{1,25}$'),
  CONSTRAINT pix_charges_description_length CHECK (description IS NULL OR length(description) BETWEEN 1 AND 99),
  CONSTRAINT pix_charges_payload_length CHECK (length(payload) BETWEEN 1 AND 512),
  CONSTRAINT pix_charges_id_user_key UNIQUE (id, user_id),
  CONSTRAINT pix_charges_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id)
);
-- The txid identifies the charge in the payer's and the receiver's bank statements.
CREATE UNIQUE INDEX pix_charges_user_txid_key ON pix_charges (user_id, txid);
CREATE INDEX pix_charges_user_order_idx ON pix_charges (user_id, created_at DESC, id DESC);
CREATE INDEX pix_charges_account_idx ON pix_charges (account_id);

ALTER TABLE transactions
  ADD COLUMN payee_name text,
  ADD COLUMN payee_city text,
  ADD COLUMN pix_txid text,
  ADD COLUMN pix_charge_id uuid,
  ADD CONSTRAINT transactions_payee_name_length CHECK (payee_name IS NULL OR length(payee_name) BETWEEN 1 AND 100),
  ADD CONSTRAINT transactions_payee_city_length CHECK (payee_city IS NULL OR length(payee_city) BETWEEN 1 AND 100),
  ADD CONSTRAINT transactions_pix_txid_format CHECK (pix_txid IS NULL OR pix_txid ~ '^[A-Za-z0-9]{1,35}$'),
  ADD CONSTRAINT transactions_pix_charge_income CHECK (pix_charge_id IS NULL OR kind = 'income'),
  ADD CONSTRAINT transactions_pix_charge_fkey FOREIGN KEY (pix_charge_id, user_id) REFERENCES pix_charges (id, user_id);
-- A charge is received at most once: a second income for it cannot even be inserted.
CREATE UNIQUE INDEX transactions_pix_charge_key ON transactions (pix_charge_id) WHERE pix_charge_id IS NOT NULL;
-- "Paguei um Pix" guesses the category from the person's earlier expenses with the payee.
CREATE INDEX transactions_payee_idx ON transactions (user_id, payee_name, payee_city) WHERE payee_name IS NOT NULL;

-- The payee, txid and charge are facts of the movement, like its amount: immutable.
-- Only description, category and notes stay editable.
CREATE OR REPLACE FUNCTION transactions_guard_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'transactions are never removed: % refused', TG_OP USING ERRCODE = 'raise_exception';
  END IF;
  IF (NEW.id, NEW.user_id, NEW.kind, NEW.account_id, NEW.counterparty_account_id, NEW.amount_cents, NEW.occurred_on,
      NEW.policy_version, NEW.reverses_transaction_id, NEW.idempotency_key, NEW.request_id, NEW.created_at,
      NEW.payee_name, NEW.payee_city, NEW.pix_txid, NEW.pix_charge_id)
     IS DISTINCT FROM
     (OLD.id, OLD.user_id, OLD.kind, OLD.account_id, OLD.counterparty_account_id, OLD.amount_cents, OLD.occurred_on,
      OLD.policy_version, OLD.reverses_transaction_id, OLD.idempotency_key, OLD.request_id, OLD.created_at,
      OLD.payee_name, OLD.payee_city, OLD.pix_txid, OLD.pix_charge_id) THEN
    RAISE EXCEPTION 'transactions: money and identity columns are immutable' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END;
$$;
