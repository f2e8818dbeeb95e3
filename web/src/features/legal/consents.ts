// The consent log part of the API: what the person accepted, and accepting what is pending.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CURRENT_CONSENT_VERSIONS } from '../../../../src/modules/privacy/consents';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { type CurrentUser, ME_QUERY_KEY } from '../auth/session';

export type ConsentState = components['schemas']['ConsentState'];
export type ConsentDocument = ConsentState['pending'][number];

export const CONSENTS_QUERY_KEY = ['consents'] as const;

/**
 * The versions this build shows. The texts are in this bundle (i18n/locales/legal.ts), so the
 * version a person reads is the one compiled in with them, the same constant the server checks.
 */
export const SHOWN_VERSIONS = CURRENT_CONSENT_VERSIONS;

export function useConsents() {
  return useQuery({ queryKey: CONSENTS_QUERY_KEY, queryFn: () => unwrap(api.GET('/api/privacy/consents')) });
}

/**
 * Accepts each pending document in the version shown, one request per document, each with
 * its own Idempotency-Key (made when the dialog opened, so a retry replays instead of
 * recording twice). The signed-in person then has nothing pending and the dialog closes.
 */
export function useAcceptConsents(keys: Record<ConsentDocument, string>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (documents: ConsentDocument[]) => {
      let state: ConsentState | undefined;
      for (const document of documents) {
        state = await unwrap(
          api.POST('/api/privacy/consents', {
            params: { header: { 'idempotency-key': keys[document] } },
            body: { document, version: SHOWN_VERSIONS[document] },
          }),
        );
      }
      return state;
    },
    onSuccess: (state) => {
      if (state === undefined) return;
      queryClient.setQueryData(CONSENTS_QUERY_KEY, state);
      queryClient.setQueryData<CurrentUser | null>(ME_QUERY_KEY, (me) => (me ? { ...me, pending_consents: state.pending } : me));
    },
  });
}
