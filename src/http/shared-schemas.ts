import { Account, AccountPage, BalanceAt, LedgerEntry, LedgerPage } from '../modules/accounts/accounts.schemas.js';
import { AdminJob, AdminJobs, JobRun, ReconcileFinding, ReconcileFindings } from '../modules/admin/admin.schemas.js';
import { User } from '../modules/auth/auth.schemas.js';
import { PasswordChanged } from '../modules/auth/profile.schemas.js';
import { BudgetLine, BudgetMonth } from '../modules/budgets/budgets.schemas.js';
import { Anticipated, Bill, BillPage, Installments, Refunded } from '../modules/cards/cards.schemas.js';
import { Category, CategoryPage } from '../modules/categories/categories.schemas.js';
import { Goal, GoalMovement, GoalPage } from '../modules/goals/goals.schemas.js';
import { Insights } from '../modules/insights/insights.schemas.js';
import { Notification, NotificationPage, NotificationsReadAll } from '../modules/notifications/notifications.schemas.js';
import { NotificationPreference, NotificationPreferences } from '../modules/notifications/preferences.schemas.js';
import {
  BrCode,
  BrCodeProblem,
  PixCharge,
  PixChargePage,
  PixChargeReceived,
  PixChargeWithQr,
  PixDecoded,
  PixKey,
  PixKeyPage,
  PixKeyValidation,
  PixReceiptUndone,
} from '../modules/pix/pix.schemas.js';
import { ConsentState } from '../modules/privacy/consents.schemas.js';
import { RecurringPage, RecurringRule, RunDueResult, Upcoming } from '../modules/recurring/recurring.schemas.js';
import {
  AccountBalance,
  PostedTransaction,
  ReversedTransaction,
  Transaction,
  TransactionAudit,
  TransactionPage,
} from '../modules/transactions/transactions.schemas.js';
import { PostedTransfer } from '../modules/transfers/transfers.schemas.js';
import { ProblemSchema } from './schemas.js';

/**
 * Schemas with an $id, added to the app once so that any module's routes can reference
 * them (a Pix payment answers a PostedTransaction), and named components in the OpenAPI
 * document, in this order.
 */
export const SHARED_SCHEMAS = [
  ProblemSchema,
  User,
  PasswordChanged,
  Account,
  AccountPage,
  LedgerEntry,
  LedgerPage,
  BalanceAt,
  Category,
  CategoryPage,
  Transaction,
  TransactionPage,
  AccountBalance,
  PostedTransaction,
  ReversedTransaction,
  PostedTransfer,
  TransactionAudit,
  Bill,
  BillPage,
  Installments,
  Refunded,
  Anticipated,
  Goal,
  GoalPage,
  GoalMovement,
  BudgetLine,
  BudgetMonth,
  RecurringRule,
  RecurringPage,
  Upcoming,
  RunDueResult,
  PixKey,
  PixKeyPage,
  PixKeyValidation,
  BrCode,
  BrCodeProblem,
  PixDecoded,
  PixCharge,
  PixChargeWithQr,
  PixChargePage,
  PixChargeReceived,
  PixReceiptUndone,
  JobRun,
  AdminJob,
  AdminJobs,
  NotificationPreference,
  NotificationPreferences,
  Insights,
  ReconcileFinding,
  ReconcileFindings,
  Notification,
  NotificationPage,
  NotificationsReadAll,
  ConsentState,
];
