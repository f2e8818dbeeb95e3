import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, unwrap } from '../../api/client';
import { isApiError } from '../../api/problem';
import { applyServerLanguage, type Language } from '../../i18n';
import { type CurrentUser, ME_QUERY_KEY } from '../auth/session';

/** What PATCH /api/me changes; row_version guards the form, the header's switch sends none. */
export interface ProfileChange {
  name?: string;
  language?: Language | null;
  row_version?: number;
}

/** Keeps the cached person in step with what the server answered. */
function useStoreMe() {
  const queryClient = useQueryClient();
  return (user: CurrentUser) => queryClient.setQueryData(ME_QUERY_KEY, user);
}

/**
 * PATCH /api/me. A stale row_version answers 409 with the current person, which is put in
 * the cache so the form shows what the server has now.
 */
export function useUpdateProfile() {
  const store = useStoreMe();
  return useMutation({
    mutationFn: (change: ProfileChange) => unwrap(api.PATCH('/api/me', { body: change })),
    onSuccess: store,
    onError: (error) => {
      const current = isApiError(error) ? error.problem.extensions.current : undefined;
      if (isApiError(error) && error.code === 'row_version_conflict' && current) store(current as CurrentUser);
    },
  });
}

export function useChangeEmail() {
  const store = useStoreMe();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => unwrap(api.PUT('/api/me/email', { body })),
    onSuccess: store,
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) => unwrap(api.PUT('/api/me/password', { body })),
  });
}

/**
 * Shows the app in the language saved on the person's profile whenever it changes: at
 * sign-in (another device's choice arrives with the answer) and when the profile is
 * read again. A language switched here is saved first, so the answer agrees with it.
 */
export function useServerLanguage(user: CurrentUser): void {
  useEffect(() => {
    void applyServerLanguage(user.language);
  }, [user.language]);
}
