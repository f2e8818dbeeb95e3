import { isInternal } from '../../policies/ledger_v1.js';
import type { TransactionResponse } from '../transactions/transactions.schemas.js';
import type { AccountRow, TransactionListRow } from './ledger.repository.js';
import type { Posted } from './ledger.service.js';

/** An account's balance and version as a write answers them. */
export function balanceOf(account: AccountRow) {
  return { id: account.id, balance_cents: account.balance_cents, row_version: account.row_version };
}

export function toTransactionResponse(
  row: TransactionListRow,
  entries: ReadonlyArray<{ account_id: string; amount_cents: number; balance_after_cents: number; account_type: string }>,
): TransactionResponse {
  // A transfer (or its reversal) moves money between two of the person's own accounts.
  const counterparty = entries.find((entry) => entry.account_id === row.counterparty_account_id);
  const toAccountId =
    counterparty && !isInternal(counterparty.account_type as AccountRow['type']) ? row.counterparty_account_id : null;
  return {
    id: row.id,
    kind: row.kind as TransactionResponse['kind'],
    account_id: row.account_id,
    to_account_id: toAccountId,
    amount_cents: row.amount_cents,
    description: row.description,
    category_id: row.category_id,
    notes: row.notes,
    occurred_on: row.occurred_on,
    policy_version: row.policy_version,
    reverses_transaction_id: row.reverses_transaction_id,
    reversed_by_transaction_id: row.reversed_by_transaction_id,
    corrects_transaction_id: row.corrects_transaction_id,
    corrected_by_transaction_id: row.corrected_by_transaction_id,
    row_version: row.row_version,
    created_at: row.created_at.toISOString(),
    payee_name: row.payee_name ?? null,
    payee_city: row.payee_city ?? null,
    pix_txid: row.pix_txid ?? null,
    pix_charge_id: row.pix_charge_id ?? null,
    installment_count: row.installment_count ?? null,
    refund_of_transaction_id: row.refund_of_transaction_id ?? null,
    entries: entries
      .filter((entry) => !isInternal(entry.account_type as AccountRow['type']))
      .map((entry) => ({
        account_id: entry.account_id,
        amount_cents: entry.amount_cents,
        balance_after_cents: entry.balance_after_cents,
      })),
  };
}

/** The response for a transaction just posted: its header and the legs the person sees. */
export function postedTransactionResponse(posted: Posted): TransactionResponse {
  const entries = posted.entries.map((entry) => ({
    ...entry,
    account_type: (posted.accounts.get(entry.account_id) as AccountRow).type,
  }));
  return toTransactionResponse(
    {
      ...posted.transaction,
      corrects_transaction_id: posted.transaction.corrects_transaction_id ?? null,
      reversed_by_transaction_id: null,
      corrected_by_transaction_id: null,
    },
    entries,
  );
}

/** One account's balance after a posting that touched it. */
export function balanceIn(posted: Posted, accountId: string) {
  return balanceOf(posted.accounts.get(accountId) as AccountRow);
}

/** The person's own accounts a posting touched, as a reversal answers them. */
export function userBalancesOf(posted: Posted) {
  return [...posted.accounts.values()].filter((account) => !isInternal(account.type)).map(balanceOf);
}
