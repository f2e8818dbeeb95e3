// The goals (metas) part of the API. Each goal has its own ledger account: a contribution
// moves money from one of the person's accounts into it, a withdrawal moves it back.

import { api, unwrap } from '../../api/client';
import type { PageRequest } from '../../api/ledger';
import { bodyLimit } from '../../api/limits';
import type { components, paths } from '../../api/schema';

type Schemas = components['schemas'];
type JsonBody<T> = T extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

export type Goal = Schemas['Goal'];
export type GoalMovement = Schemas['GoalMovement'];
export type CreateGoalInput = JsonBody<paths['/api/goals']['post']>;
export type PatchGoalInput = JsonBody<paths['/api/goals/{id}']['patch']>;
export type ContributionInput = JsonBody<paths['/api/goals/{id}/contributions']['post']>;
export type WithdrawalInput = JsonBody<paths['/api/goals/{id}/withdrawals']['post']>;

// The server's limits, from its OpenAPI document.
export const GOAL_NAME_LENGTH_MAX = bodyLimit('post', '/api/goals', 'name', 'maxLength');
export const GOAL_ICON_LENGTH_MAX = bodyLimit('post', '/api/goals', 'icon', 'maxLength');

function idempotencyHeader(key: string) {
  return { 'idempotency-key': key };
}

export function listGoals(page: PageRequest) {
  // Archived goals come too; screens filter them, as they do accounts.
  return unwrap(api.GET('/api/goals', { params: { query: { ...page, include_archived: true } } }));
}

export function getGoal(id: string) {
  return unwrap(api.GET('/api/goals/{id}', { params: { path: { id } } }));
}

export function createGoal(input: CreateGoalInput, idempotencyKey: string) {
  return unwrap(api.POST('/api/goals', { params: { header: idempotencyHeader(idempotencyKey) }, body: input }));
}

export function patchGoal(id: string, input: PatchGoalInput) {
  return unwrap(api.PATCH('/api/goals/{id}', { params: { path: { id } }, body: input }));
}

export function deleteGoal(id: string) {
  return unwrap(api.DELETE('/api/goals/{id}', { params: { path: { id } } }));
}

export function contributeToGoal(input: { goalId: string; body: ContributionInput }, idempotencyKey: string) {
  return unwrap(
    api.POST('/api/goals/{id}/contributions', {
      params: { path: { id: input.goalId }, header: idempotencyHeader(idempotencyKey) },
      body: input.body,
    }),
  );
}

export function withdrawFromGoal(input: { goalId: string; body: WithdrawalInput }, idempotencyKey: string) {
  return unwrap(
    api.POST('/api/goals/{id}/withdrawals', {
      params: { path: { id: input.goalId }, header: idempotencyHeader(idempotencyKey) },
      body: input.body,
    }),
  );
}
