import { useQuery } from '@tanstack/react-query';
import { listImports, listPresets } from './api';
import { noteImportsError } from './availability';

export const IMPORTS_KEY = ['imports'] as const;
/** Past imports shown at once: the most recent; older ones are rarely undone. */
export const IMPORTS_SHOWN_MAX = 20;

export function useImports() {
  return useQuery({
    queryKey: IMPORTS_KEY,
    queryFn: async () => {
      try {
        return await listImports({ skip: 0, limit: IMPORTS_SHOWN_MAX });
      } catch (error) {
        noteImportsError(error);
        throw error;
      }
    },
  });
}

/** The CSV layouts the server recognises; they change only with a new server version. */
export function usePresets() {
  return useQuery({ queryKey: [...IMPORTS_KEY, 'presets'], queryFn: listPresets, staleTime: Number.POSITIVE_INFINITY });
}
