import { createBrowserRouter } from 'react-router';
import { AccountStatementPage } from '../features/accounts/AccountStatementPage';
import { AccountsPage } from '../features/accounts/AccountsPage';
import { GuestOnly, RequireAuth } from '../features/auth/guards';
import { LoginPage } from '../features/auth/LoginPage';
import { RegisterPage } from '../features/auth/RegisterPage';
import { BudgetsPage } from '../features/budgets/BudgetsPage';
import { CategoriesPage } from '../features/categories/CategoriesPage';
import { DashboardPage } from '../features/dashboard/DashboardPage';
import { GoalsPage } from '../features/goals/GoalsPage';
import { PixPaidPage } from '../features/pix/PixPaidPage';
import { PixReceivePage } from '../features/pix/PixReceivePage';
import { ProfilePage } from '../features/profile/ProfilePage';
import { RecurringPage } from '../features/recurring/RecurringPage';
import { TransactionsPage } from '../features/transactions/TransactionsPage';
import { TransferPage } from '../features/transactions/TransferPage';
import { AppLayout } from './AppLayout';
import { NotFoundPage } from './NotFoundPage';
import {
  ACCOUNTS_PATH,
  BUDGETS_PATH,
  CATEGORIES_PATH,
  GOALS_PATH,
  PIX_PAID_PATH,
  PIX_RECEIVE_PATH,
  PROFILE_PATH,
  RECURRING_PATH,
  TRANSACTIONS_PATH,
  TRANSFER_PATH,
} from './paths';

// Paths are in Portuguese, the product's first language; they do not change with the UI.
export const router = createBrowserRouter([
  {
    element: <GuestOnly />,
    children: [
      { path: '/entrar', element: <LoginPage /> },
      { path: '/cadastro', element: <RegisterPage /> },
    ],
  },
  {
    element: <RequireAuth />,
    children: [
      {
        element: <AppLayout />,
        children: [
          { index: true, element: <DashboardPage /> },
          { path: ACCOUNTS_PATH, element: <AccountsPage /> },
          { path: `${ACCOUNTS_PATH}/:id`, element: <AccountStatementPage /> },
          { path: TRANSACTIONS_PATH, element: <TransactionsPage /> },
          { path: TRANSFER_PATH, element: <TransferPage /> },
          { path: CATEGORIES_PATH, element: <CategoriesPage /> },
          { path: GOALS_PATH, element: <GoalsPage /> },
          { path: BUDGETS_PATH, element: <BudgetsPage /> },
          { path: RECURRING_PATH, element: <RecurringPage /> },
          { path: PIX_RECEIVE_PATH, element: <PixReceivePage /> },
          { path: PIX_PAID_PATH, element: <PixPaidPage /> },
          { path: PROFILE_PATH, element: <ProfilePage /> },
        ],
      },
    ],
  },
  { path: '*', element: <NotFoundPage /> },
]);
