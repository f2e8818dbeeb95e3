import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import pg from 'pg';
import type { Config } from './config.js';
import { type MigrationFile, readMigrationFiles } from './db/migrate.js';
import { authPlugin, SESSION_COOKIE_PLAIN, SESSION_COOKIE_SECURE } from './http/auth.js';
import { refuseBeforeBody } from './http/before-body.js';
import { fastifyTrustProxy } from './http/client-address.js';
import { DomainError, isPoolCheckoutTimeout, problem, problemFromError, retryAfterSeconds, sendProblem } from './http/errors.js';
import { frameworkErrorRoutes, redispatchFrameworkErrors } from './http/framework-errors.js';
import { guardJsonBodies } from './http/json-body.js';
import { createMetrics, type Metrics, metricsPlugin } from './http/metrics.js';
import { RateLimiter } from './http/rate-limit.js';
import { RateLimitRepository } from './http/rate-limit.repository.js';
import { newRequestId } from './http/request-id.js';
import { ProblemSchema } from './http/schemas.js';
import { transportSecurityPlugin } from './http/transport-security.js';
import { createValidatorCompiler } from './http/validation.js';
import { type Clock, systemClock } from './lib/clock.js';
import { accountsRoutes } from './modules/accounts/accounts.routes.js';
import { Account, AccountPage, BalanceAt, LedgerEntry, LedgerPage } from './modules/accounts/accounts.schemas.js';
import { AccountsService } from './modules/accounts/accounts.service.js';
import { AuthRepository } from './modules/auth/auth.repository.js';
import { type AuthRateLimits, authRoutes } from './modules/auth/auth.routes.js';
import { User } from './modules/auth/auth.schemas.js';
import { AuthService } from './modules/auth/auth.service.js';
import { AuthChangeListener } from './modules/auth/auth-change-listener.js';
import { KnownDevices } from './modules/auth/devices.js';
import { DevicesRepository } from './modules/auth/devices.repository.js';
import { SessionCache } from './modules/auth/session-cache.js';
import { budgetsRoutes } from './modules/budgets/budgets.routes.js';
import { BudgetLine, BudgetMonth } from './modules/budgets/budgets.schemas.js';
import { BudgetsService } from './modules/budgets/budgets.service.js';
import { categoriesRoutes } from './modules/categories/categories.routes.js';
import { Category, CategoryPage } from './modules/categories/categories.schemas.js';
import { CategoriesService } from './modules/categories/categories.service.js';
import { goalsRoutes } from './modules/goals/goals.routes.js';
import { Goal, GoalMovement, GoalPage } from './modules/goals/goals.schemas.js';
import { GoalsService } from './modules/goals/goals.service.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { pixRoutes } from './modules/pix/pix.routes.js';
import {
  BrCode,
  BrCodeProblem,
  PixCharge,
  PixChargePage,
  PixChargeReceived,
  PixChargeWithQr,
  PixDecoded,
  PixKey,
  PixKeyPage,
  PixKeyValidation,
} from './modules/pix/pix.schemas.js';
import { PixService } from './modules/pix/pix.service.js';
import { recurringRoutes } from './modules/recurring/recurring.routes.js';
import { RecurringPage, RecurringRule, RunDueResult, Upcoming } from './modules/recurring/recurring.schemas.js';
import { RecurringService } from './modules/recurring/recurring.service.js';
import { transactionsRoutes } from './modules/transactions/transactions.routes.js';
import {
  AccountBalance,
  PostedTransaction,
  PostedTransfer,
  ReversedTransaction,
  Transaction,
  TransactionAudit,
  TransactionPage,
} from './modules/transactions/transactions.schemas.js';
import { TransactionsService } from './modules/transactions/transactions.service.js';
import { TransfersService } from './modules/transfers/transfers.service.js';
import { LOG_SERIALIZERS } from './observability/logging.js';
import type { ServerErrorContext } from './observability/sentry.js';

export { LOG_REDACT_PATHS } from './observability/logging.js';

/** Largest request body accepted; bigger bodies answer 413 before they are read. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
export const WEB_DIST_DIR = fileURLToPath(new URL('../web/dist/', import.meta.url));

export interface AppOptions {
  config: Config;
  pool: pg.Pool;
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  metrics?: Metrics;
  /** Sign-in limits; config.authRateLimits (the AUTH_RATE_LIMIT_* variables) when absent. */
  rateLimits?: AuthRateLimits;
  migrations?: MigrationFile[];
  webDir?: string;
  /** Called with every unexpected error (500), e.g. to report it to Sentry. */
  onServerError?: (error: unknown, context: ServerErrorContext) => void;
}

/**
 * The logger options with the process's serializers forced in, so an error logged by
 * the app or by Fastify itself is written through serializeError whatever the caller passed.
 */
function withLogSerializers(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  const given = logger === true ? {} : logger;
  return { ...given, serializers: { ...given.serializers, ...LOG_SERIALIZERS } };
}

/** Schemas with an $id, referenced by routes and named components in the OpenAPI document. */
const SHARED_SCHEMAS = [
  ProblemSchema,
  User,
  Account,
  AccountPage,
  LedgerEntry,
  LedgerPage,
  BalanceAt,
  Category,
  CategoryPage,
  Transaction,
  TransactionPage,
  AccountBalance,
  PostedTransaction,
  ReversedTransaction,
  PostedTransfer,
  TransactionAudit,
  Goal,
  GoalPage,
  GoalMovement,
  BudgetLine,
  BudgetMonth,
  RecurringRule,
  RecurringPage,
  Upcoming,
  RunDueResult,
  PixKey,
  PixKeyPage,
  PixKeyValidation,
  BrCode,
  BrCodeProblem,
  PixDecoded,
  PixCharge,
  PixChargeWithQr,
  PixChargePage,
  PixChargeReceived,
];

const HTML_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  // Mantine injects its CSS variables as inline <style> elements.
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

function isApiPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/api' || url.startsWith('/health') || url.startsWith('/metrics');
}

/** Most live sessions a process keeps in memory; beyond it the oldest copy goes. */
const SESSION_CACHE_MAX_ENTRIES = 10_000;

/**
 * The in-process session cache and the connection that keeps it honest, started when the
 * app is ready and stopped when it closes; undefined when SESSION_CACHE_SECONDS is 0.
 */
function sessionCache(app: FastifyInstance, options: { pool: pg.Pool; clock: Clock; seconds: number }): SessionCache | undefined {
  if (options.seconds === 0) return undefined;
  const cache = new SessionCache({
    ttlMs: options.seconds * 1000,
    maxEntries: SESSION_CACHE_MAX_ENTRIES,
    clock: options.clock,
  });
  const listener = new AuthChangeListener({
    createClient: () => new pg.Client({ ...options.pool.options, keepAlive: true, application_name: 'vai-de-pix-listener' }),
    cache,
    log: app.log,
  });
  app.addHook('onReady', async () => listener.start());
  app.addHook('onClose', async () => listener.stop());
  return cache;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, pool } = options;
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? createMetrics();
  const migrations = options.migrations ?? (await readMigrationFiles());
  const webDir = options.webDir ?? WEB_DIST_DIR;

  const app = Fastify({
    logger: withLogSerializers(options.logger),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    requestIdHeader: false,
    genReqId: newRequestId,
    // One line per request comes from our onResponse hook, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // An unreadable URL is answered like any other request (see http/framework-errors).
    frameworkErrors: redispatchFrameworkErrors,
  });

  // The API speaks JSON only; any other body type is a 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  guardJsonBodies(app);

  app.setValidatorCompiler(createValidatorCompiler(SHARED_SCHEMAS));
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  // External plugins first.
  await app.register(fastifyCookie);
  // HSTS and upgrade-insecure-requests are added per request, only over HTTPS.
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { directives: { ...HTML_CSP, upgradeInsecureRequests: null } },
    strictTransportSecurity: false,
  });
  await app.register(transportSecurityPlugin);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vai de Pix API',
        version: '0.1.0',
        description: 'Personal finance for Brazil on an append-only double-entry ledger. Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          cookieAuth: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE_SECURE,
            description: `Over HTTPS; over plain HTTP the same session cookie is named ${SESSION_COOKIE_PLAIN}.`,
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`) },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    // Its fixed policy asks for upgrade-insecure-requests, which breaks the page over plain HTTP.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });

  // Then the application's own plugins.
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.config.skipLog) return;
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 10) / 10,
        user_id: request.user?.id,
        code: reply.problemCode,
      },
      'request',
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) reply.headers(error.headers);
    const retryAfter = retryAfterSeconds(error);
    if (retryAfter !== undefined) reply.header('retry-after', retryAfter);
    const body = problemFromError(error);
    if (isPoolCheckoutTimeout(error)) {
      // Every connection stayed busy for the whole checkout timeout: overload or a leaked
      // client, which someone must look at, unlike a single contended transaction.
      metrics.poolCheckoutTimeouts.inc();
      request.log.error({ code: body?.code, err: error }, 'no database connection became free in time');
    } else if (body) {
      // The err serializer keeps only the SQLSTATE or socket code and names, never values.
      if (body.status >= 500) request.log.warn({ code: body.code, err: error }, body.detail);
    }
    if (body) return sendProblem(request, reply, body);
    request.log.error({ err: error }, 'unexpected error');
    options.onServerError?.(error, {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: 500,
      userId: request.user?.id,
    });
    return sendProblem(
      request,
      reply,
      problem(500, 'internal_error', 'Something went wrong on our side. Quote the request id if you report it.'),
    );
  });

  const webBuilt = existsSync(`${webDir}/index.html`);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (isApiPath(path) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return sendProblem(request, reply, problem(404, 'not_found', `No route for ${request.method} ${path}.`));
    }
    if (!webBuilt) {
      return sendProblem(request, reply, problem(404, 'web_app_not_built', 'The web app is not built; run npm run build.'));
    }
    // Client-side routes of the SPA: the app itself decides what to show.
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });

  await app.register(metricsPlugin, { metrics, token: config.metricsToken });
  const auth = new AuthService({
    repository: new AuthRepository(pool),
    clock,
    sessionTtlHours: config.sessionTtlHours,
    sessionIdleHours: config.sessionIdleHours,
    cache: sessionCache(app, { pool, clock, seconds: config.sessionCacheSeconds }),
    onCacheLookup: (hit) => metrics.sessionCacheLookups.inc({ result: hit ? 'hit' : 'miss' }),
  });
  await app.register(authPlugin, { auth });
  await app.register(refuseBeforeBody);

  // Routes last.
  await app.register(frameworkErrorRoutes);
  await app.register(healthRoutes, { pool, migrations });
  await app.register(authRoutes, {
    auth,
    rateLimits: options.rateLimits ?? config.authRateLimits,
    limiter: new RateLimiter(new RateLimitRepository(pool), clock),
    devices: new KnownDevices(new DevicesRepository(pool), clock),
  });
  const deps = {
    pool,
    clock,
    hooks: {
      onRetry: (code: string) => metrics.ledgerRetries.inc({ code }),
      onReplay: () => metrics.idempotencyReplays.inc(),
      onConflict: (code: string) => metrics.idempotencyConflicts.inc({ code }),
    },
  };
  await app.register(accountsRoutes, { accounts: new AccountsService(deps) });
  await app.register(categoriesRoutes, { categories: new CategoriesService(deps) });
  await app.register(transactionsRoutes, { transactions: new TransactionsService(deps), transfers: new TransfersService(deps) });
  await app.register(goalsRoutes, { goals: new GoalsService(deps) });
  await app.register(budgetsRoutes, { budgets: new BudgetsService(deps) });
  await app.register(recurringRoutes, { recurring: new RecurringService(deps) });
  await app.register(pixRoutes, { pix: new PixService(deps) });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (webBuilt) {
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: true,
      setHeaders: (response, filePath) => {
        // Vite names built assets by content hash, so they never change in place.
        response.header('cache-control', filePath.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else {
    // Without the built SPA, reply.sendFile must still exist for the not-found handler.
    await app.register(fastifyStatic, { root: webDir.replace(/web\/dist\/?$/, ''), serve: false });
  }

  return app;
}
