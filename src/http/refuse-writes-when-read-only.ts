import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { readOnlyRefusal } from './errors.js';
import type { ReadOnlyMode } from './read-only.js';

/** The methods that change something; every route of the API that takes one writes. */
const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const API_PREFIX = '/api/';

/**
 * While the service is read-only, a write to the API answers 503 read_only with
 * Retry-After from the first hook, before its session is looked up, its body read or any
 * statement sent: under READ_ONLY=true always, and for READ_ONLY_NOTICE_MS after the
 * database last refused a write (then the next write goes through to see whether the
 * database takes writes again). Signing in and out are writes (a session is opened or
 * revoked) and are refused too; a person already signed in keeps reading everything.
 * Reads, /health and /metrics are not touched.
 */
export const refuseWritesWhenReadOnly = fp(
  async (app: FastifyInstance, options: { readOnly: ReadOnlyMode }) => {
    app.addHook('onRequest', async (request) => {
      if (!WRITE_METHODS.has(request.method) || !request.url.startsWith(API_PREFIX)) return;
      if (options.readOnly.active()) throw readOnlyRefusal();
    });
  },
  { name: 'refuse-writes-when-read-only' },
);
