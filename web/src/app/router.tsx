import { Center, Loader } from '@mantine/core';
import { type ComponentType, lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, Outlet } from 'react-router';
import { GuestOnly, RequireAuth } from '../features/auth/guards';
import { LoginPage } from '../features/auth/LoginPage';
import { RegisterPage } from '../features/auth/RegisterPage';
import { hasSignedInHere } from '../features/auth/visitMarker';
import { AppLayout } from './AppLayout';
import {
  ACCOUNTS_PATH,
  BUDGETS_PATH,
  CARD_BILLS_SEGMENT,
  CATEGORIES_PATH,
  GOALS_PATH,
  IMPORTS_PATH,
  INSIGHTS_PATH,
  MY_DATA_PATH,
  OPERATIONS_PATH,
  PIX_PAID_PATH,
  PIX_RECEIVE_PATH,
  PRIVACY_POLICY_PATH,
  PROFILE_PATH,
  RECURRING_PATH,
  TERMS_PATH,
  TRANSACTIONS_PATH,
  TRANSFER_PATH,
} from './paths';

/**
 * A page whose code is fetched when it is first shown, so the first load carries only the
 * screen it opens on (docs/PERFORMANCE.md, "First load"). A newcomer's first screens, sign-up
 * and sign-in, stay in the main bundle: fetching them after the session check would add a
 * round trip before the first form appears.
 */
function lazyPage<Name extends string>(load: () => Promise<Record<Name, ComponentType>>, name: Name) {
  return lazy(async (): Promise<{ default: ComponentType }> => {
    const module: Record<Name, ComponentType> | undefined = await load();
    // A chunk that a new release replaced resolves to nothing once the handler below has
    // started the reload: keep the loader on screen until the new page replaces this one.
    if (module === undefined) return new Promise<never>(() => undefined);
    forgetChunkReload();
    return { default: module[name] };
  });
}

const AccountStatementPage = lazyPage(() => import('../features/accounts/AccountStatementPage'), 'AccountStatementPage');
const AccountsPage = lazyPage(() => import('../features/accounts/AccountsPage'), 'AccountsPage');
const CardPage = lazyPage(() => import('../features/cards/CardPage'), 'CardPage');
const BudgetsPage = lazyPage(() => import('../features/budgets/BudgetsPage'), 'BudgetsPage');
const CategoriesPage = lazyPage(() => import('../features/categories/CategoriesPage'), 'CategoriesPage');
const DashboardPage = lazyPage(() => import('../features/dashboard/DashboardPage'), 'DashboardPage');
const GoalsPage = lazyPage(() => import('../features/goals/GoalsPage'), 'GoalsPage');
const ImportsPage = lazyPage(() => import('../features/imports/ImportsPage'), 'ImportsPage');
const InsightsPage = lazyPage(() => import('../features/insights/InsightsPage'), 'InsightsPage');
const MyDataPage = lazyPage(() => import('../features/privacy/MyDataPage'), 'MyDataPage');
const NotFoundPage = lazyPage(() => import('./NotFoundPage'), 'NotFoundPage');
const OperationsPage = lazyPage(() => import('../features/admin/OperationsPage'), 'OperationsPage');
const PixPaidPage = lazyPage(() => import('../features/pix/PixPaidPage'), 'PixPaidPage');
const PixReceivePage = lazyPage(() => import('../features/pix/PixReceivePage'), 'PixReceivePage');
const PrivacyPolicyPage = lazyPage(() => import('../features/legal/PrivacyPolicyPage'), 'PrivacyPolicyPage');
const ProfilePage = lazyPage(() => import('../features/profile/ProfilePage'), 'ProfilePage');
const RecurringPage = lazyPage(() => import('../features/recurring/RecurringPage'), 'RecurringPage');
const TermsPage = lazyPage(() => import('../features/legal/TermsPage'), 'TermsPage');
const TransactionsPage = lazyPage(() => import('../features/transactions/TransactionsPage'), 'TransactionsPage');
const TransferPage = lazyPage(() => import('../features/transactions/TransferPage'), 'TransferPage');

/**
 * A person who has signed in on this browser before most likely opens on the dashboard: its
 * code is fetched alongside the session check instead of after it (one round trip less on a
 * phone connection; docs/PERFORMANCE.md). A newcomer fetches no signed-in page.
 */
if (hasSignedInHere()) void import('../features/dashboard/DashboardPage').catch(() => undefined);

/** Where the address that last reloaded for a missing chunk is kept, so it reloads only once. */
const RELOADED_FOR_CHUNK_KEY = 'vai-de-pix.reloaded-for-chunk';

/**
 * A tab opened before a release asks for page chunks the release replaced; the server answers
 * 404 for them. Reloading fetches the new index.html (never cached) and its chunks. Once per
 * address per tab: a chunk that is missing for another reason shows the error, not a loop.
 */
/** A page's code arrived: a later release may reload this tab once more. */
function forgetChunkReload() {
  try {
    window.sessionStorage.removeItem(RELOADED_FOR_CHUNK_KEY);
  } catch {
    // Without storage the handler below never reloads; nothing to forget.
  }
}

window.addEventListener('vite:preloadError', (event) => {
  try {
    if (window.sessionStorage.getItem(RELOADED_FOR_CHUNK_KEY) === window.location.pathname) return;
    window.sessionStorage.setItem(RELOADED_FOR_CHUNK_KEY, window.location.pathname);
  } catch {
    // Without storage a reload could repeat forever; the error screen is the safer answer.
    return;
  }
  event.preventDefault();
  window.location.reload();
});

/**
 * Where a page waits for its code. Router navigations run in a transition, so moving between
 * pages keeps the current one on screen until the next is ready; this shows only on a first visit.
 */
function PageLoading() {
  const { t } = useTranslation();
  return (
    <Suspense
      fallback={
        <Center py="xl" role="status">
          <Loader aria-label={t('app.loading')} />
        </Center>
      }
    >
      <Outlet />
    </Suspense>
  );
}

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
          {
            element: <PageLoading />,
            children: [
              { index: true, element: <DashboardPage /> },
              { path: ACCOUNTS_PATH, element: <AccountsPage /> },
              { path: `${ACCOUNTS_PATH}/:id`, element: <AccountStatementPage /> },
              { path: `${ACCOUNTS_PATH}/:id/${CARD_BILLS_SEGMENT}`, element: <CardPage /> },
              { path: TRANSACTIONS_PATH, element: <TransactionsPage /> },
              { path: TRANSFER_PATH, element: <TransferPage /> },
              { path: CATEGORIES_PATH, element: <CategoriesPage /> },
              { path: GOALS_PATH, element: <GoalsPage /> },
              { path: BUDGETS_PATH, element: <BudgetsPage /> },
              { path: INSIGHTS_PATH, element: <InsightsPage /> },
              { path: RECURRING_PATH, element: <RecurringPage /> },
              { path: PIX_RECEIVE_PATH, element: <PixReceivePage /> },
              { path: PIX_PAID_PATH, element: <PixPaidPage /> },
              { path: PROFILE_PATH, element: <ProfilePage /> },
              { path: OPERATIONS_PATH, element: <OperationsPage /> },
              { path: IMPORTS_PATH, element: <ImportsPage /> },
              { path: MY_DATA_PATH, element: <MyDataPage /> },
            ],
          },
        ],
      },
    ],
  },
  // The legal pages are for everyone, signed in or not: registration links to them.
  {
    element: <PageLoading />,
    children: [
      { path: PRIVACY_POLICY_PATH, element: <PrivacyPolicyPage /> },
      { path: TERMS_PATH, element: <TermsPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
