import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { replaceSession } from '../auth/session';

/** The export, as a plain link: the browser streams the download to disk, and the session cookie goes with it. */
export const EXPORT_JSON_URL = '/api/privacy/export';
export const EXPORT_ZIP_URL = '/api/privacy/export?format=zip';

/** POST /api/privacy/delete-account; on success this tab stops acting as the person at once. */
export function useDeleteAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { password: string }) => unwrap(api.POST('/api/privacy/delete-account', { body })),
    onSuccess: () => replaceSession(queryClient, null),
  });
}
