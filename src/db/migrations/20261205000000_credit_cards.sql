-- Credit cards the Brazilian way (issue 16): bills (faturas) with closing and due days,
-- installments (parcelas), payments to a bill, refunds (estornos) and early payment
-- (antecipação). The money still moves only through the ledger: a purchase in N
-- installments is one expense of the whole amount (the limit is taken at once), and these
-- tables say which bill each part of it belongs to. Bills themselves are not stored: they
-- are derived from the card's schedule, its ledger entries and these rows (cards_v1).

-- A card's closing and due days (1..31, clamped to a short month's last day) and which bill
-- a purchase on the closing day joins. Set together, on credit cards only.
ALTER TABLE accounts
  ADD COLUMN closing_day smallint,
  ADD COLUMN due_day smallint,
  ADD COLUMN closing_day_purchases text;
ALTER TABLE accounts
  ADD CONSTRAINT accounts_card_days_range CHECK (
    (closing_day IS NULL OR closing_day BETWEEN 1 AND 31) AND (due_day IS NULL OR due_day BETWEEN 1 AND 31)),
  ADD CONSTRAINT accounts_card_days_together CHECK (
    (closing_day IS NULL) = (due_day IS NULL) AND (closing_day IS NULL) = (closing_day_purchases IS NULL)),
  ADD CONSTRAINT accounts_card_days_only_cards CHECK (closing_day IS NULL OR type = 'credit_card'),
  ADD CONSTRAINT accounts_closing_day_purchases_known CHECK (
    closing_day_purchases IS NULL OR closing_day_purchases IN ('next_bill', 'this_bill'));

-- The schedule each bill month follows. A change of days applies from the month after the
-- bill open when it was made, so the open bill and every closed one keep their dates; the
-- first schedule of a card starts at the earliest month the ledger holds.
CREATE TABLE card_schedules (
  account_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  starts_month date NOT NULL,
  closing_day smallint NOT NULL,
  due_day smallint NOT NULL,
  closing_day_purchases text NOT NULL,
  PRIMARY KEY (account_id, starts_month),
  CONSTRAINT card_schedules_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT card_schedules_month_start CHECK (extract(day FROM starts_month) = 1),
  CONSTRAINT card_schedules_days_range CHECK (closing_day BETWEEN 1 AND 31 AND due_day BETWEEN 1 AND 31),
  CONSTRAINT card_schedules_closing_day_purchases_known CHECK (closing_day_purchases IN ('next_bill', 'this_bill'))
);

-- A refund (estorno) gives back money of a card purchase: the card's balance goes up and
-- the expense counterparty down, under the purchase's category, so budgets and insights
-- see less spending. Its own kind, because it is neither an income nor an undo.
ALTER TABLE transactions DROP CONSTRAINT transactions_kind_known;
ALTER TABLE transactions ADD CONSTRAINT transactions_kind_known CHECK (kind IN (
  'income', 'expense', 'transfer', 'reversal', 'opening', 'adjustment', 'goal_contribution', 'goal_withdrawal', 'refund'));

-- One row per installment of a purchase in 2..48 installments. bill_month is the first day of
-- the month the installment's bill closes in; moved_to_month is set when a refund or an
-- antecipação brings it forward (moved_by names the refund or the antecipação's discount;
-- when that is reversed, the installment goes back to bill_month; an antecipação without a
-- discount names none). Amounts never change.
CREATE TABLE card_installments (
  transaction_id uuid NOT NULL,
  number smallint NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  account_id uuid NOT NULL,
  count smallint NOT NULL,
  amount_cents bigint NOT NULL,
  bill_month date NOT NULL,
  moved_to_month date,
  moved_by_transaction_id uuid,
  moved_reason text,
  PRIMARY KEY (transaction_id, number),
  CONSTRAINT card_installments_transaction_fkey FOREIGN KEY (transaction_id, user_id) REFERENCES transactions (id, user_id),
  CONSTRAINT card_installments_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT card_installments_moved_by_fkey FOREIGN KEY (moved_by_transaction_id, user_id) REFERENCES transactions (id, user_id),
  CONSTRAINT card_installments_count_range CHECK (count BETWEEN 2 AND 48),
  CONSTRAINT card_installments_number_range CHECK (number BETWEEN 1 AND count),
  CONSTRAINT card_installments_amount_positive CHECK (amount_cents BETWEEN 1 AND 100000000000),
  CONSTRAINT card_installments_months CHECK (
    extract(day FROM bill_month) = 1 AND (moved_to_month IS NULL OR extract(day FROM moved_to_month) = 1)),
  CONSTRAINT card_installments_moved_together CHECK (
    (moved_to_month IS NULL) = (moved_reason IS NULL) AND (moved_by_transaction_id IS NULL OR moved_to_month IS NOT NULL)),
  CONSTRAINT card_installments_moved_reason_known CHECK (moved_reason IS NULL OR moved_reason IN ('refund', 'anticipation')),
  CONSTRAINT card_installments_refund_named CHECK (moved_reason IS DISTINCT FROM 'refund' OR moved_by_transaction_id IS NOT NULL)
);
CREATE INDEX card_installments_account ON card_installments (account_id, bill_month);

-- What a refund or an antecipação discount gave back, and of which purchase.
CREATE TABLE card_refunds (
  transaction_id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  account_id uuid NOT NULL,
  purchase_transaction_id uuid NOT NULL,
  scope text NOT NULL,
  CONSTRAINT card_refunds_transaction_fkey FOREIGN KEY (transaction_id, user_id) REFERENCES transactions (id, user_id),
  CONSTRAINT card_refunds_purchase_fkey FOREIGN KEY (purchase_transaction_id, user_id) REFERENCES transactions (id, user_id),
  CONSTRAINT card_refunds_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT card_refunds_scope_known CHECK (scope IN ('whole', 'remaining', 'amount', 'anticipation_discount'))
);
CREATE INDEX card_refunds_purchase ON card_refunds (purchase_transaction_id);

-- A payment (a transfer into the card) that named the bill it pays. A payment that names
-- none pays the bill cards_v1 picks for its day.
CREATE TABLE card_payments (
  transaction_id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  account_id uuid NOT NULL,
  bill_month date NOT NULL,
  CONSTRAINT card_payments_transaction_fkey FOREIGN KEY (transaction_id, user_id) REFERENCES transactions (id, user_id),
  CONSTRAINT card_payments_account_fkey FOREIGN KEY (account_id, user_id) REFERENCES accounts (id, user_id),
  CONSTRAINT card_payments_month_start CHECK (extract(day FROM bill_month) = 1)
);
CREATE INDEX card_payments_account ON card_payments (account_id);
