import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';

export type NotificationPreferences = components['schemas']['NotificationPreferences'];
export type NotificationPreference = components['schemas']['NotificationPreference'];

export const NOTIFICATION_PREFERENCES_KEY = ['notification-preferences'] as const;

export function useNotificationPreferences() {
  return useQuery({
    queryKey: NOTIFICATION_PREFERENCES_KEY,
    queryFn: () => unwrap(api.GET('/api/notifications/preferences')),
  });
}

/** PUT one kind's channels; the answer (every kind) replaces the cached preferences. */
export function useSaveNotificationPreference() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (preference: NotificationPreference) =>
      unwrap(api.PUT('/api/notifications/preferences', { body: { items: [preference] } })),
    onSuccess: (saved) => queryClient.setQueryData(NOTIFICATION_PREFERENCES_KEY, saved),
  });
}
