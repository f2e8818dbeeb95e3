// The insights part of the API: a month's figures computed from the ledger (cached by the server).
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';

export type Insights = components['schemas']['Insights'];

export function getInsights(month: string) {
  return unwrap(api.GET('/api/insights', { params: { query: { month } } }));
}
