import { useQuery } from '@tanstack/react-query';
import { decodePix, listPixKeys, listRecentCharges } from './api';

export const PIX_KEYS = {
  keys: ['pix', 'keys'],
  charges: ['pix', 'charges'],
  decode: ['pix', 'decode'],
} as const;

export function usePixKeys() {
  return useQuery({ queryKey: PIX_KEYS.keys, queryFn: listPixKeys });
}

export function useRecentCharges(accountId: string | null) {
  return useQuery({
    queryKey: [...PIX_KEYS.charges, accountId],
    queryFn: () => listRecentCharges(accountId ?? ''),
    enabled: accountId !== null,
  });
}

/** Reading a code has no effect on the server, so it is a query: one answer per pasted text. */
export function useDecodedPix(payload: string) {
  return useQuery({
    queryKey: [...PIX_KEYS.decode, payload],
    queryFn: () => decodePix(payload),
    enabled: payload.length > 0,
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
}
