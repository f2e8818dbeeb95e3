import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type pg from 'pg';
import type { Config } from './config.js';
import { type MigrationFile, readMigrationFiles } from './db/migrate.js';
import { authPlugin } from './http/auth.js';
import { refuseBeforeBody } from './http/before-body.js';
import { fastifyTrustProxy } from './http/client-address.js';
import { setProblemErrorHandler } from './http/error-handler.js';
import { frameworkErrorRoutes, redispatchFrameworkErrors } from './http/framework-errors.js';
import { guardJsonBodies } from './http/json-body.js';
import { createMetrics, type Metrics, metricsPlugin } from './http/metrics.js';
import { openApiDocumentRoute, registerOpenApi } from './http/openapi.js';
import { emailRateLimitKeys, RateLimiter } from './http/rate-limit.js';
import { RateLimitRepository } from './http/rate-limit.repository.js';
import { createReadOnlyMode, type ReadOnlyMode } from './http/read-only.js';
import { refuseWritesWhenReadOnly } from './http/refuse-writes-when-read-only.js';
import { newRequestId } from './http/request-id.js';
import { logRequests } from './http/request-log.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { SHARED_SCHEMAS } from './http/shared-schemas.js';
import { createValidatorCompiler } from './http/validation.js';
import { findWebApp, serveWebApp, setWebAppNotFoundHandler, type WebApp } from './http/web-app.js';
import { allJobs } from './jobs/registry.js';
import { type Clock, systemClock } from './lib/clock.js';
import type { ServiceDeps } from './lib/service-context.js';
import { accountsRoutes } from './modules/accounts/accounts.routes.js';
import { AccountsService } from './modules/accounts/accounts.service.js';
import { adminRoutes } from './modules/admin/admin.routes.js';
import { Operators } from './modules/admin/operators.js';
import { AuthRepository } from './modules/auth/auth.repository.js';
import { type AuthRateLimits, authRoutes } from './modules/auth/auth.routes.js';
import { AuthService } from './modules/auth/auth.service.js';
import { KnownDevices } from './modules/auth/devices.js';
import { DevicesRepository } from './modules/auth/devices.repository.js';
import { ProfileRepository } from './modules/auth/profile.repository.js';
import { meRoutes } from './modules/auth/profile.routes.js';
import { ProfileService } from './modules/auth/profile.service.js';
import { sessionCache } from './modules/auth/session-cache-plugin.js';
import { budgetsRoutes } from './modules/budgets/budgets.routes.js';
import { BudgetsService } from './modules/budgets/budgets.service.js';
import { cardBillRoutes, cardPurchaseRoutes } from './modules/cards/cards.routes.js';
import { CardsService } from './modules/cards/cards.service.js';
import { categoriesRoutes } from './modules/categories/categories.routes.js';
import { CategoriesService } from './modules/categories/categories.service.js';
import { configRoutes } from './modules/config/config.routes.js';
import { goalsRoutes } from './modules/goals/goals.routes.js';
import { GoalsService } from './modules/goals/goals.service.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { importsRoutes } from './modules/imports/imports.routes.js';
import { ImportsService } from './modules/imports/imports.service.js';
import { insightsRoutes } from './modules/insights/insights.routes.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { NotificationsService } from './modules/notifications/notifications.service.js';
import { notificationPreferencesRoutes } from './modules/notifications/preferences.routes.js';
import { pixKeyRoutes, pixRoutes } from './modules/pix/pix.routes.js';
import { PixService } from './modules/pix/pix.service.js';
import { type ConsentVersions, CURRENT_CONSENT_VERSIONS } from './modules/privacy/consents.js';
import { consentsRoutes } from './modules/privacy/consents.routes.js';
import { ConsentsService } from './modules/privacy/consents.service.js';
import { privacyRoutes } from './modules/privacy/privacy.routes.js';
import { PrivacyService } from './modules/privacy/privacy.service.js';
import { recurringRoutes } from './modules/recurring/recurring.routes.js';
import { RecurringService } from './modules/recurring/recurring.service.js';
import { transactionsRoutes } from './modules/transactions/transactions.routes.js';
import { TransactionsService } from './modules/transactions/transactions.service.js';
import { transfersRoutes } from './modules/transfers/transfers.routes.js';
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
  /**
   * Tests only (refused unless NODE_ENV=test): other versions of the terms and the privacy
   * policy than CURRENT_CONSENT_VERSIONS, to play a new version being published.
   */
  consentVersions?: ConsentVersions;
  /** Whether writes are refused; from config.readOnly (READ_ONLY) when absent. */
  readOnly?: ReadOnlyMode;
}

/** The options with every default filled in, as the wiring below uses them. */
interface Wiring {
  config: Config;
  pool: pg.Pool;
  clock: Clock;
  metrics: Metrics;
  rateLimits: AuthRateLimits;
  migrations: MigrationFile[];
  webApp: WebApp;
  onServerError: AppOptions['onServerError'];
  consentVersions: ConsentVersions;
  readOnly: ReadOnlyMode;
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

/** The bare instance: limits, request ids, JSON-only bodies and the shared schemas. */
function createInstance(options: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: withLogSerializers(options.logger),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: fastifyTrustProxy(options.config.trustProxy),
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
  return app;
}

async function registerExternalPlugins(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCookie);
  await registerSecurityHeaders(app);
  await registerOpenApi(app);
}

/**
 * The session check every guarded module plugin runs (requireSession), the cross-site
 * Origin check, and the 404 that comes before any body is read.
 */
async function registerAuthentication(app: FastifyInstance, wiring: Wiring, consents: ConsentsService): Promise<AuthService> {
  const { config, pool, clock, metrics } = wiring;
  const auth = new AuthService({
    consents,
    repository: new AuthRepository(pool),
    clock,
    sessionTtlHours: config.sessionTtlHours,
    sessionIdleHours: config.sessionIdleHours,
    cache: sessionCache(app, { pool, clock, seconds: config.sessionCacheSeconds }),
    onCacheLookup: (hit) => metrics.sessionCacheLookups.inc({ result: hit ? 'hit' : 'miss' }),
  });
  await app.register(authPlugin, { auth });
  await app.register(refuseBeforeBody);
  return auth;
}

async function registerAppPlugins(app: FastifyInstance, wiring: Wiring, consents: ConsentsService): Promise<AuthService> {
  logRequests(app);
  setProblemErrorHandler(app, { metrics: wiring.metrics, onServerError: wiring.onServerError, readOnly: wiring.readOnly });
  setWebAppNotFoundHandler(app, wiring.webApp);
  await app.register(metricsPlugin, { metrics: wiring.metrics, token: wiring.config.metricsToken, pool: wiring.pool });
  await app.register(refuseWritesWhenReadOnly, { readOnly: wiring.readOnly });
  return registerAuthentication(app, wiring, consents);
}

/** What every module's service is built with: the pool, the clock, and the write metrics. */
function serviceDeps(wiring: Wiring): ServiceDeps {
  const { pool, clock, metrics } = wiring;
  return {
    pool,
    clock,
    hooks: {
      onRetry: (code: string) => metrics.ledgerRetries.inc({ code }),
      onReplay: () => metrics.idempotencyReplays.inc(),
      onConflict: (code: string) => metrics.idempotencyConflicts.inc({ code }),
    },
  };
}

/**
 * Each module's routes, one plugin per URL prefix, in the order of the OpenAPI document.
 * Two modules own two prefixes: auth (/api/auth and /api/me) and Pix (its own /api/pix,
 * and an account's key under /api/accounts).
 */
async function registerModules(
  app: FastifyInstance,
  wiring: Wiring,
  services: { auth: AuthService; consents: ConsentsService },
): Promise<void> {
  const { auth, consents } = services;
  const { pool, clock, metrics } = wiring;
  await app.register(frameworkErrorRoutes);
  await app.register(healthRoutes, { pool, migrations: wiring.migrations });
  await app.register(configRoutes, { prefix: '/api/config', features: wiring.config.features, readOnly: wiring.readOnly });
  const limiter = new RateLimiter(new RateLimitRepository(pool), clock);
  const devices = new KnownDevices(new DevicesRepository(pool), clock);
  await app.register(authRoutes, { prefix: '/api/auth', auth, rateLimits: wiring.rateLimits, limiter, devices });
  const profile = new ProfileService({ repository: new ProfileRepository(pool), auth, clock });
  const operators = new Operators({ pool, clock, adminEmails: wiring.config.adminEmails });
  await app.register(meRoutes, {
    prefix: '/api/me',
    profile,
    limiter,
    devices,
    rateLimits: wiring.rateLimits,
    operators,
    pendingConsents: (userId) => consents.pending(userId),
  });
  const deps = serviceDeps(wiring);
  await app.register(accountsRoutes, { prefix: '/api/accounts', accounts: new AccountsService(deps) });
  await app.register(categoriesRoutes, { prefix: '/api/categories', categories: new CategoriesService(deps) });
  await app.register(transactionsRoutes, { prefix: '/api/transactions', transactions: new TransactionsService(deps) });
  await app.register(transfersRoutes, { prefix: '/api/transfers', transfers: new TransfersService(deps) });
  const cards = new CardsService(deps);
  await app.register(cardBillRoutes, { prefix: '/api/accounts', cards });
  await app.register(cardPurchaseRoutes, { prefix: '/api/transactions', cards });
  await app.register(goalsRoutes, { prefix: '/api/goals', goals: new GoalsService(deps) });
  await app.register(budgetsRoutes, { prefix: '/api/budgets', budgets: new BudgetsService(deps) });
  await app.register(recurringRoutes, { prefix: '/api/recurring', recurring: new RecurringService(deps) });
  const pix = new PixService(deps);
  const pixEnabled = wiring.config.features.pix;
  await app.register(pixKeyRoutes, { prefix: '/api/accounts', pix, enabled: pixEnabled });
  await app.register(pixRoutes, { prefix: '/api/pix', pix, enabled: pixEnabled });
  await app.register(notificationPreferencesRoutes, { prefix: '/api/notifications', pool, clock, mail: wiring.config.mail });
  await app.register(insightsRoutes, { prefix: '/api/insights', pool, clock, metrics, enabled: wiring.config.features.insights });
  await app.register(importsRoutes, {
    prefix: '/api/imports',
    imports: new ImportsService(deps),
    enabled: wiring.config.features.imports,
    limiter,
  });
  await app.register(notificationsRoutes, { prefix: '/api/notifications', notifications: new NotificationsService(deps) });
  await app.register(consentsRoutes, { prefix: '/api/privacy', consents });
  const privacy = new PrivacyService({
    pool,
    clock,
    rateLimitKeysOf: emailRateLimitKeys,
    onDeleted: (id) => auth.forgetCachedUser(id),
  });
  await app.register(privacyRoutes, { prefix: '/api/privacy', privacy, limiter, devices, rateLimits: wiring.rateLimits });
  await app.register(adminRoutes, { prefix: '/api/admin', pool, clock, jobs: allJobs(wiring.config), operators });
  openApiDocumentRoute(app);
}

/**
 * Other versions of the legal texts than the published ones would let a build record
 * acceptances of texts nobody showed; only a test may ask for them, and anywhere else the
 * request is refused rather than ignored (as config.ts does with its test-only variables).
 */
function testConsentVersions(versions: ConsentVersions | undefined): ConsentVersions | undefined {
  if (versions !== undefined && process.env.NODE_ENV !== 'test') {
    throw new Error('consentVersions: only allowed when NODE_ENV=test');
  }
  return versions;
}

/**
 * The whole API and web app, ready for app.inject or app.listen (main.ts listens): the
 * instance, external plugins, the app's own plugins, each module's routes, then the web app.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const wiring: Wiring = {
    config: options.config,
    pool: options.pool,
    clock: options.clock ?? systemClock,
    metrics: options.metrics ?? createMetrics({ commit: options.config.gitCommit }),
    rateLimits: options.rateLimits ?? options.config.authRateLimits,
    migrations: options.migrations ?? (await readMigrationFiles()),
    webApp: findWebApp(options.webDir ?? WEB_DIST_DIR),
    onServerError: options.onServerError,
    consentVersions: testConsentVersions(options.consentVersions) ?? CURRENT_CONSENT_VERSIONS,
    readOnly: options.readOnly ?? createReadOnlyMode({ forced: options.config.readOnly }),
  };
  const consents = new ConsentsService(serviceDeps(wiring), wiring.consentVersions);
  const app = createInstance(options);
  await registerExternalPlugins(app);
  const auth = await registerAppPlugins(app, wiring, consents);
  await registerModules(app, wiring, { auth, consents });
  await serveWebApp(app, wiring.webApp);
  return app;
}
