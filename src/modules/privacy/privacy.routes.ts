import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentUser, requireSession, sessionCookie } from '../../http/auth.js';
import { IdempotencyHeaders } from '../../http/common-schemas.js';
import type { RateLimiter, RateLimitRule } from '../../http/rate-limit.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { DomainError } from '../../lib/errors.js';
import type { AuthRateLimits } from '../auth/auth.routes.js';
import type { KnownDevices } from '../auth/devices.js';
import { reauthenticationLimit } from '../auth/reauth-limit.js';
import { DeleteAccountBody, ExportDownload, ExportQuery } from './privacy.schemas.js';
import type { PrivacyService } from './privacy.service.js';

/**
 * Exports per person per hour. An export reads every row the person has (100,000
 * transactions take seconds and megabytes, bench/export.ts); a person needs a few a day at
 * most, so more is a client looping or someone with a stolen session scraping.
 */
export const EXPORT_RATE_LIMIT: RateLimitRule = { max: 10, window_ms: 60 * 60_000 };

export interface PrivacyRoutesOptions {
  privacy: PrivacyService;
  limiter: RateLimiter;
  devices: KnownDevices;
  rateLimits: AuthRateLimits;
}

const common = { tags: ['privacy'], security: bearerSecurity };

/** How long an export's socket may move no byte before it is closed. */
export const EXPORT_STALL_MS = 30_000;

/**
 * The export is a GET, which the session cookie (SameSite=Lax) accompanies on another site's
 * link: a page elsewhere could spend the person's hourly exports. Browsers say where a request
 * comes from in Sec-Fetch-Site; only this site's own pages and a typed address may export.
 * Clients that do not send it (scripts with a bearer token) are not browsers on another site.
 */
function refuseCrossSite(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return;
  throw new DomainError('cross_site_request', 403, 'Exports start from this site only.');
}

/**
 * /api/privacy: the export of everything the person has and the deletion of the account
 * (LGPD Art. 18). The consents routes live in their own plugin at the same prefix.
 */
export async function privacyRoutes(app: FastifyInstance, options: PrivacyRoutesOptions) {
  requireSession(app);
  const { privacy, limiter } = options;
  const api = routeApi(app);

  api.get(
    '/export',
    {
      schema: {
        ...common,
        summary: 'Download everything you have here: JSON, or with format=zip a ZIP of one CSV per table',
        querystring: ExportQuery,
        response: { 200: ExportDownload, ...problems(400, 401, 403, 429) },
      },
      // Refused before it is counted: another site's link, or no free slot, must not spend the person's exports.
      onRequest: async (request) => {
        refuseCrossSite(request);
        privacy.refuseWhenBusy(currentUser(request).id);
        await limiter.enforce('privacy:export', currentUser(request).id, EXPORT_RATE_LIMIT);
      },
    },
    async (request, reply) => {
      const download = await privacy.export(currentUser(request).id, request.query.format ?? 'json');
      // A client that stops reading holds a connection and an export slot: once the socket has
      // moved nothing for this long it is closed, the stream ends and both are freed.
      reply.raw.setTimeout(EXPORT_STALL_MS, () => reply.raw.destroy());
      return reply
        .header('content-disposition', `attachment; filename="${download.filename}"`)
        .header('cache-control', 'no-store')
        .type(download.contentType)
        .send(download.stream);
    },
  );

  api.post(
    '/delete-account',
    {
      schema: {
        ...common,
        summary: 'Delete your account: personal data erased, the books kept anonymised; the password re-entered',
        description:
          'Every session ends and the cookie is cleared. Repeating it while the session still works answers 204 again; afterwards 401. See docs/DATA-RETENTION.md for what remains.',
        headers: IdempotencyHeaders,
        body: DeleteAccountBody,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 413, 429) },
      },
      // Limited like signing in (see reauthenticationLimit).
      onRequest: reauthenticationLimit(options),
    },
    async (request, reply) => {
      await privacy.deleteAccount(currentUser(request).id, request.body.password);
      const cookie = sessionCookie(request);
      reply.clearCookie(cookie.name, cookie.options);
      return reply.code(204).send(null);
    },
  );
}
