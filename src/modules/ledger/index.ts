/**
 * The ledger module's public API: the only road by which money moves. Other modules
 * post through these functions and never write transactions or ledger_entries themselves.
 */
export {
  type AccountRow,
  anonymiseTransactions,
  entriesOf,
  findInternalAccountId,
  findTransaction,
  lockAndLoadAccounts,
  NOT_REVERSED,
  type TransactionListRow,
  updateTransactionDetails,
} from './ledger.repository.js';
export { balanceIn, balanceOf, postedTransactionResponse, toTransactionResponse, userBalancesOf } from './ledger.responses.js';
export {
  accountNotFound,
  alreadyCorrected,
  alreadyReversed,
  BATCH_POSTINGS_MAX,
  type CorrectionOptions,
  type CorrectionPosting,
  correct,
  correctionNotSupported,
  type EntryPosting,
  type GoalPosting,
  insufficientFunds,
  type OpeningPosting,
  occurredOn,
  type Posted,
  type Posting,
  type PostingSource,
  postBatch,
  postEntry,
  postGoalMovement,
  postOpening,
  postRefund,
  postTransfer,
  type RefundPosting,
  type ReversalPosting,
  reverse,
  sourceOf,
  type TransferPosting,
  usableAccount,
} from './ledger.service.js';
export { completeHalfPosting, type MissingLeg, planRepair, type RepairPlan } from './repair.repository.js';
