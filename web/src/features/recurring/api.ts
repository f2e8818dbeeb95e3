// The recurring part of the API: rules that post an income, expense or transfer on a
// schedule, the calendar of what comes next, and posting what has fallen due.

import { api, unwrap } from '../../api/client';
import type { PageRequest } from '../../api/ledger';
import { bodyLimit, queryLimit } from '../../api/limits';
import type { components, paths } from '../../api/schema';

type Schemas = components['schemas'];
type JsonBody<T> = T extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

export type RecurringRule = Schemas['RecurringRule'];
export type RecurringType = RecurringRule['type'];
export type Schedule = RecurringRule['schedule'];
export type ScheduleKind = Schedule['kind'];
export type FailedOccurrence = RecurringRule['failed_occurrences'][number];
export type Upcoming = Schemas['RecurringUpcoming'];
export type UpcomingItem = Upcoming['items'][number];
export type RunDueResult = Schemas['RecurringRunDue'];
export type CreateRecurringInput = JsonBody<paths['/api/recurring']['post']>;
export type PatchRecurringInput = JsonBody<paths['/api/recurring/{id}']['patch']>;

export const RECURRING_TYPES = ['expense', 'income', 'transfer'] as const satisfies readonly RecurringType[];
export const SCHEDULE_KINDS = ['monthly', 'weekly', 'every_n_days', 'yearly'] as const satisfies readonly ScheduleKind[];
// The server's limits, from its OpenAPI document.
export const UPCOMING_DAYS_MAX = queryLimit('get', '/api/recurring/upcoming', 'days', 'maximum');
export const EVERY_DAYS_MAX = bodyLimit('post', '/api/recurring', 'schedule', 'maximum', 'days');
export const OCCURRENCES_MAX = bodyLimit('post', '/api/recurring', 'occurrences_max', 'maximum');

function idempotencyHeader(key: string) {
  return { 'idempotency-key': key };
}

export function listRecurring(page: PageRequest) {
  // Ended rules come too; the page hides them unless asked.
  return unwrap(api.GET('/api/recurring', { params: { query: { ...page, include_ended: true } } }));
}

export function getRecurring(id: string) {
  return unwrap(api.GET('/api/recurring/{id}', { params: { path: { id } } }));
}

export function createRecurring(input: CreateRecurringInput, idempotencyKey: string) {
  return unwrap(api.POST('/api/recurring', { params: { header: idempotencyHeader(idempotencyKey) }, body: input }));
}

export function patchRecurring(id: string, input: PatchRecurringInput) {
  return unwrap(api.PATCH('/api/recurring/{id}', { params: { path: { id } }, body: input }));
}

export function pauseRecurring(id: string) {
  return unwrap(api.POST('/api/recurring/{id}/pause', { params: { path: { id } } }));
}

export function resumeRecurring(id: string) {
  return unwrap(api.POST('/api/recurring/{id}/resume', { params: { path: { id } } }));
}

/** Ends a rule: nothing more is posted; what was posted stays in the ledger. */
export function endRecurring(id: string) {
  return unwrap(api.DELETE('/api/recurring/{id}', { params: { path: { id } } }));
}

/** Posts an occurrence that failed when it fell due, on its own day, with the rule as it is now. */
export function retryOccurrence(id: string, occursOn: string, idempotencyKey: string) {
  return unwrap(
    api.POST('/api/recurring/{id}/occurrences/{occurs_on}/retry', {
      params: { path: { id, occurs_on: occursOn }, header: idempotencyHeader(idempotencyKey) },
    }),
  );
}

export function getUpcoming(days: number) {
  return unwrap(api.GET('/api/recurring/upcoming', { params: { query: { days } } }));
}

export function runDueRecurring() {
  return unwrap(api.POST('/api/recurring/run-due'));
}
