import { type QueryClient, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { isApiError } from '../../api/problem';
import { markSignedInHere } from './visitMarker';

export const ME_QUERY_KEY = ['me'] as const;
const ME_STALE_MS = 60_000;
const ME_RETRIES_MAX = 2;

async function fetchMe() {
  try {
    return await unwrap(api.GET('/api/me'));
  } catch (error) {
    // 401 is an answer, not a failure: nobody is logged in.
    if (isApiError(error) && error.status === 401) return null;
    throw error;
  }
}

/** The signed-in person, `null` when logged out, `undefined` while loading. */
export type CurrentUser = NonNullable<Awaited<ReturnType<typeof fetchMe>>>;

export type LoginInput = { email: string; password: string };
export type RegisterInput = {
  email: string;
  password: string;
  name: string;
  /** The versions of the terms and the privacy policy the form showed, accepted with the account. */
  accepted_terms_version?: string;
  accepted_privacy_version?: string;
};

export const meQuery = queryOptions({
  queryKey: ME_QUERY_KEY,
  queryFn: fetchMe,
  staleTime: ME_STALE_MS,
  retry: (failureCount, error) =>
    failureCount < ME_RETRIES_MAX && !(isApiError(error) && error.status >= 400 && error.status < 500),
});

export function useMe() {
  return useQuery(meQuery);
}

/**
 * Switches the cached session to `user` (or to nobody) and drops every other cached
 * answer, which belonged to whoever used this tab before. The ['me'] query itself is
 * updated in place, not removed, so the route guards observing it re-render at once.
 */
export function replaceSession(queryClient: QueryClient, user: CurrentUser | null): void {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== ME_QUERY_KEY[0] });
  queryClient.setQueryData(ME_QUERY_KEY, user);
  if (user !== null) markSignedInHere();
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: LoginInput) => unwrap(api.POST('/api/auth/login', { body: input })),
    onSuccess: (session) => {
      replaceSession(queryClient, session.user);
    },
  });
}

/**
 * `onRegistered` runs before the session is stored, while the registration page is still
 * mounted (storing the session navigates away from it).
 */
export function useRegister({ onRegistered }: { onRegistered?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: RegisterInput) => unwrap(api.POST('/api/auth/register', { body: input })),
    onSuccess: (session) => {
      onRegistered?.();
      replaceSession(queryClient, session.user);
    },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/logout')),
    // Whatever the server answered, this tab must stop acting as the person.
    onSettled: () => replaceSession(queryClient, null),
  });
}

/** "Sign out everywhere": ends every session of the person, this tab's included. */
export function useLogoutEverywhere() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/logout-all')),
    // Only on success: if the server refused, the other sessions may still be open, and
    // the person must see that rather than a signed-out screen that suggests otherwise.
    onSuccess: () => replaceSession(queryClient, null),
  });
}
