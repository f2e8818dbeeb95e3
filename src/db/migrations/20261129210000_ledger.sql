-- The ledger: accounts, journal headers (transactions), append-only legs (ledger_entries),
-- categories and idempotency keys. Every user-owned row carries user_id, and composite
-- foreign keys make a leg's user agree with its account's and its transaction's.

CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL,
  type text NOT NULL,
  currency char(3) NOT NULL DEFAULT 'BRL',
  balance_cents bigint NOT NULL DEFAULT 0,
  overdraft_limit_cents bigint NOT NULL DEFAULT 0,
  row_version integer NOT NULL DEFAULT 1,
  archived_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT accounts_type_known CHECK (type IN ('checking', 'savings', 'credit_card', 'cash', 'investment', 'income', 'expense', 'equity')),
  CONSTRAINT accounts_currency_brl CHECK (currency = 'BRL'),
  CONSTRAINT accounts_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  CONSTRAINT accounts_overdraft_range CHECK (overdraft_limit_cents BETWEEN 0 AND 100000000000),
  CONSTRAINT accounts_overdraft_only_credit CHECK (overdraft_limit_cents = 0 OR type IN ('checking', 'credit_card')),
  CONSTRAINT accounts_id_user_key UNIQUE (id, user_id)
);
CREATE INDEX accounts_user_idx ON accounts (user_id, created_at, id);
-- Each person has exactly one of each internal counterparty account.
CREATE UNIQUE INDEX accounts_internal_key ON accounts (user_id, type) WHERE type IN ('income', 'expense', 'equity');

CREATE TABLE categories (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL,
  kind text NOT NULL,
  system_key text,
  row_version integer NOT NULL DEFAULT 1,
  archived_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT categories_kind_known CHECK (kind IN ('income', 'expense')),
  CONSTRAINT categories_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 60),
  CONSTRAINT categories_id_user_key UNIQUE (id, user_id)
);
CREATE UNIQUE INDEX categories_user_name_key ON categories (user_id, kind, lower(name));
CREATE UNIQUE INDEX categories_user_system_key ON categories (user_id, system_key) WHERE system_key IS NOT NULL;

CREATE TABLE transactions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  kind text NOT NULL,
  account_id uuid NOT NULL,
  counterparty_account_id uuid NOT NULL,
  amount_cents bigint NOT NULL,
  description text NOT NULL,
  category_id uuid,
  notes text,
  occurred_on date NOT NULL,
  policy_version text NOT NULL,
  reverses_transaction_id uuid,
  idempotency_key text,
  request_id text,
  row_version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT transactions_kind_known CHECK (kind IN ('income', 'expense', 'transfer', 'reversal', 'opening', 'adjustment', 'goal_contribution', 'goal_withdrawal')),
  CONSTRAINT transactions_amount_range CHECK (amount_cents BETWEEN 1 AND 100000000000),
  CONSTRAINT transactions_two_accounts CHECK (account_id <> counterparty_account_id),
  CONSTRAINT transactions_description_length CHECK (length(description) <= 200),
  CONSTRAINT transactions_notes_length CHECK (notes IS NULL OR length(notes) <= 2000),
  CONSTRAINT transactions_occurred_on_range CHECK (occurred_on BETWEEN DATE '1900-01-01' AND DATE '2999-12-31'),
  CONSTRAINT transactions_reversal_link CHECK ((kind = 'reversal') = (reverses_transaction_id IS NOT NULL)),
  CONSTRAINT transactions_id_user_key UNIQUE (id, user_id),
  CONSTRAINT transactions_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT transactions_counterparty_fkey FOREIGN KEY (counterparty_account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT transactions_category_fkey FOREIGN KEY (category_id, user_id) REFERENCES categories (id, user_id),
  CONSTRAINT transactions_reverses_fkey FOREIGN KEY (reverses_transaction_id, user_id) REFERENCES transactions (id, user_id)
);
-- A transaction is reversed at most once: the second reversal cannot even be inserted.
CREATE UNIQUE INDEX transactions_reverses_key ON transactions (reverses_transaction_id) WHERE reverses_transaction_id IS NOT NULL;
-- The list's order (newest first, then id) and its filters.
CREATE INDEX transactions_user_order_idx ON transactions (user_id, occurred_on DESC, created_at DESC, id DESC);
CREATE INDEX transactions_account_order_idx ON transactions (account_id, occurred_on DESC, created_at DESC, id DESC);
CREATE INDEX transactions_counterparty_order_idx ON transactions (counterparty_account_id, occurred_on DESC, created_at DESC, id DESC);
CREATE INDEX transactions_category_order_idx ON transactions (category_id, occurred_on DESC, created_at DESC, id DESC) WHERE category_id IS NOT NULL;

CREATE TABLE ledger_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id uuid NOT NULL,
  account_id uuid NOT NULL,
  user_id uuid NOT NULL,
  amount_cents bigint NOT NULL,
  balance_after_cents bigint NOT NULL,
  account_version integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_entries_amount_nonzero CHECK (amount_cents <> 0 AND abs(amount_cents) <= 100000000000),
  CONSTRAINT ledger_entries_transaction_fkey FOREIGN KEY (transaction_id, user_id) REFERENCES transactions (id, user_id),
  CONSTRAINT ledger_entries_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT ledger_entries_account_version_key UNIQUE (account_id, account_version)
);
CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);
-- Statement pages and balance-at-instant lookups walk one account's entries in time order.
CREATE INDEX ledger_entries_account_time_idx ON ledger_entries (account_id, created_at, id);

-- Append-only: entries are never changed or removed; a mistake is corrected by a reversal.
CREATE FUNCTION ledger_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only: % refused', TG_OP USING ERRCODE = 'raise_exception';
END;
$$;
CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_refuse_change();

-- The journal header: money and identity columns never change; only description,
-- category and notes may, each edit bumping row_version. Headers are never deleted.
CREATE FUNCTION transactions_guard_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'transactions are never removed: % refused', TG_OP USING ERRCODE = 'raise_exception';
  END IF;
  IF (NEW.id, NEW.user_id, NEW.kind, NEW.account_id, NEW.counterparty_account_id, NEW.amount_cents, NEW.occurred_on,
      NEW.policy_version, NEW.reverses_transaction_id, NEW.idempotency_key, NEW.request_id, NEW.created_at)
     IS DISTINCT FROM
     (OLD.id, OLD.user_id, OLD.kind, OLD.account_id, OLD.counterparty_account_id, OLD.amount_cents, OLD.occurred_on,
      OLD.policy_version, OLD.reverses_transaction_id, OLD.idempotency_key, OLD.request_id, OLD.created_at) THEN
    RAISE EXCEPTION 'transactions: money and identity columns are immutable' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER transactions_guard_update_delete BEFORE UPDATE OR DELETE ON transactions
  FOR EACH ROW EXECUTE FUNCTION transactions_guard_change();
CREATE TRIGGER transactions_no_truncate BEFORE TRUNCATE ON transactions
  FOR EACH STATEMENT EXECUTE FUNCTION transactions_guard_change();

-- Double entry, checked by the database at COMMIT: every transaction has at least two
-- legs and its legs sum to zero. The code checks the same before inserting.
CREATE FUNCTION transactions_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  leg_count integer;
  leg_sum numeric;
BEGIN
  SELECT count(*), coalesce(sum(amount_cents), 0) INTO leg_count, leg_sum
    FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
  IF leg_count < 2 OR leg_sum <> 0 THEN
    RAISE EXCEPTION 'transaction % is unbalanced: % legs summing to %', NEW.transaction_id, leg_count, leg_sum
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION transactions_check_balanced();

CREATE FUNCTION transactions_check_has_legs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(*) FROM ledger_entries WHERE transaction_id = NEW.id) < 2 THEN
    RAISE EXCEPTION 'transaction % has fewer than two legs', NEW.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER transactions_have_legs AFTER INSERT ON transactions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION transactions_check_has_legs();

-- Idempotency-Key (IETF draft): the key row commits with the business writes, so a
-- stored response exists exactly when its effects do. Keys are scoped per user.
CREATE TABLE idempotency_keys (
  user_id uuid NOT NULL REFERENCES users (id),
  key text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  request_hash bytea NOT NULL,
  status text NOT NULL,
  response_status integer,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, key),
  CONSTRAINT idempotency_keys_status_known CHECK (status IN ('in_flight', 'completed')),
  CONSTRAINT idempotency_keys_key_length CHECK (length(key) BETWEEN 1 AND 255),
  CONSTRAINT idempotency_keys_completed_has_response CHECK (status = 'in_flight' OR (response_status IS NOT NULL AND response_body IS NOT NULL))
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- What every person gets: the internal counterparty accounts of the double entry and a
-- default set of pt-BR categories (system_key lets the web app translate them).
CREATE FUNCTION provision_user(p_user_id uuid) RETURNS void LANGUAGE sql AS $$
  INSERT INTO accounts (id, user_id, name, type)
  VALUES (gen_random_uuid(), p_user_id, 'Receitas', 'income'),
         (gen_random_uuid(), p_user_id, 'Despesas', 'expense'),
         (gen_random_uuid(), p_user_id, 'Saldo inicial', 'equity')
  ON CONFLICT DO NOTHING;
  INSERT INTO categories (id, user_id, name, kind, system_key)
  SELECT gen_random_uuid(), p_user_id, name, kind, system_key
  FROM (VALUES
    ('Moradia', 'expense', 'housing'),
    ('Alimentação', 'expense', 'food'),
    ('Transporte', 'expense', 'transport'),
    ('Saúde', 'expense', 'health'),
    ('Educação', 'expense', 'education'),
    ('Lazer', 'expense', 'leisure'),
    ('Assinaturas', 'expense', 'subscriptions'),
    ('Impostos e tarifas', 'expense', 'taxes_fees'),
    ('Compras', 'expense', 'shopping'),
    ('Outros', 'expense', 'other_expense'),
    ('Salário', 'income', 'salary'),
    ('Pix recebido', 'income', 'pix_received'),
    ('Rendimentos', 'income', 'investment_income'),
    ('Outros', 'income', 'other_income')
  ) AS defaults (name, kind, system_key)
  ON CONFLICT DO NOTHING;
$$;

SELECT provision_user(id) FROM users;
