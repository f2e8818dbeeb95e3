-- "Desfazer" on "Já recebi": a receipt can be undone (its income reversed) and the charge
-- received again. Until now a charge was received when an income pointed at it, and a unique
-- index allowed one such income ever. Now the charge itself names its current receipt
-- (receipt_transaction_id): receiving sets it only if it is still what the writer read
-- (compare and set, so two racing receipts cannot both win), undoing clears it the same way.
-- Earlier incomes keep pointing at the charge through transactions.pix_charge_id, so the
-- history of every receipt and undo stays readable; the index on it is no longer unique.
ALTER TABLE pix_charges
  ADD COLUMN receipt_transaction_id uuid,
  ADD CONSTRAINT pix_charges_receipt_fkey FOREIGN KEY (receipt_transaction_id, user_id) REFERENCES transactions (id, user_id);
CREATE UNIQUE INDEX pix_charges_receipt_key ON pix_charges (receipt_transaction_id) WHERE receipt_transaction_id IS NOT NULL;

-- Existing receipts: the one income of each received charge becomes its current receipt.
UPDATE pix_charges c
   SET receipt_transaction_id = t.id
  FROM transactions t
 WHERE t.pix_charge_id = c.id AND t.user_id = c.user_id;

DROP INDEX transactions_pix_charge_key;
CREATE INDEX transactions_pix_charge_idx ON transactions (pix_charge_id) WHERE pix_charge_id IS NOT NULL;
