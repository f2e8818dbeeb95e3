import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { type QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { RouterProvider } from 'react-router';
import { meQuery } from '../features/auth/session';
import { hasSignedInHere } from '../features/auth/visitMarker';
import { accountsQuery } from '../features/ledger/queries';
import { serverConfigQuery } from '../lib/serverConfig';
import { createQueryClient } from './queryClient';
import { router } from './router';
import { cssVariablesResolver, theme } from './theme';

/**
 * The session check starts with the app, not after its first render; a person who has signed
 * in on this browser before most likely opens on the dashboard, whose first figure is the
 * total of the accounts, so they are asked for alongside it instead of after it (round trips
 * saved on a phone connection; docs/PERFORMANCE.md). Without a session that request is a 401
 * like the session check's, and the login page follows.
 */
function startQueryClient() {
  const client = createQueryClient();
  void client.prefetchQuery(meQuery);
  if (hasSignedInHere() && window.location.pathname === '/') void client.prefetchQuery(accountsQuery);
  // The feature flags and read-only state, last and in parallel: nothing waits for them.
  void client.prefetchQuery(serverConfigQuery);
  return client;
}

/** One per page load, started once (React's StrictMode calls a state initializer twice in development). */
let started: QueryClient | undefined;
const startedQueryClient = () => {
  started ??= startQueryClient();
  return started;
};

/**
 * The colour scheme follows the system until the header's switch picks one (Mantine
 * keeps that choice in localStorage). Toasts sit at the bottom, so they never cover the
 * header's controls (language, theme, account menu) at any width.
 */
export function App() {
  const [queryClient] = useState(startedQueryClient);
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" cssVariablesResolver={cssVariablesResolver}>
      <Notifications position="bottom-right" autoClose={4000} />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
