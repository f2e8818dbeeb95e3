import { useQuery } from '@tanstack/react-query';
import { listImports } from './api';
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
