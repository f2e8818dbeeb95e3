import { useQuery } from '@tanstack/react-query';
import { fetchAll, LEDGER_KEYS } from '../ledger/queries';
import { type Goal, listGoals } from './api';

/** All goals, archived ones included (screens filter them), in the server's order: newest first. */
export function useGoals() {
  return useQuery({
    queryKey: LEDGER_KEYS.goals,
    queryFn: () => fetchAll<Goal>(listGoals),
  });
}

export function activeGoals(goals: readonly Goal[] | undefined): Goal[] {
  return (goals ?? []).filter((goal) => !goal.archived);
}
