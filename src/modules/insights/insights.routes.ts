import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { currentUser, requireSession } from '../../http/auth.js';
import type { Metrics } from '../../http/metrics.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import type { Clock } from '../../lib/clock.js';
import { InsightsQuery } from './insights.schemas.js';
import { InsightsService } from './insights.service.js';

/**
 * GET /api/insights?month=YYYY-MM. With ENABLE_INSIGHTS=false it answers 404
 * feature_disabled, which is also how the web app learns the screens are off; a month after
 * the current one in São Paulo answers 422 month_in_future.
 */
export async function insightsRoutes(
  app: FastifyInstance,
  options: { pool: pg.Pool; clock: Clock; metrics: Metrics; enabled: boolean },
) {
  const { metrics } = options;
  const insights = new InsightsService({
    pool: options.pool,
    clock: options.clock,
    enabled: options.enabled,
    hooks: {
      onCacheLookup: (hit) => (hit ? metrics.insightsCacheHits : metrics.insightsCacheMisses).inc(),
      onCompute: (seconds) => metrics.insightsComputeSeconds.observe(seconds),
    },
  });
  requireSession(app);
  const api = routeApi(app);
  api.get(
    '',
    {
      schema: {
        tags: ['insights'],
        security: bearerSecurity,
        summary:
          "A month's insights from the ledger: spending by category against last month and the 3-month average, income and expenses, savings rate, top payees, unusual expenses, 12 months of flows and balances, and (this month) the month-end projection",
        querystring: InsightsQuery,
        response: { 200: Type.Ref('Insights'), ...problems(400, 401, 404, 422) },
      },
    },
    async (request) => insights.month(currentUser(request).id, request.query.month),
  );
}
