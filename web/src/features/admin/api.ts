// The operator part of the API: what the worker's jobs did and will do, and the reconcile
// findings. Only an operator gets answers; anyone else gets 403 `forbidden`.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';

type Schemas = components['schemas'];
export type AdminJob = Schemas['AdminJob'];
export type JobRun = Schemas['JobRun'];
export type ReconcileFinding = Schemas['ReconcileFinding'];

/** Runs shown per job: enough to see a pattern of failures, short enough for a phone. */
const RUNS_SHOWN = 5;
const ADMIN_KEY = ['admin'] as const;

export function useAdminJobs() {
  return useQuery({
    queryKey: [...ADMIN_KEY, 'jobs'],
    queryFn: () => unwrap(api.GET('/api/admin/jobs', { params: { query: { runs: RUNS_SHOWN } } })),
    retry: false,
  });
}

export function useReconcileFindings() {
  return useQuery({
    queryKey: [...ADMIN_KEY, 'findings'],
    queryFn: () => unwrap(api.GET('/api/admin/findings', { params: { query: { limit: 50 } } })),
    retry: false,
  });
}
