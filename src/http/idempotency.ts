import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { invalidField } from '../lib/errors.js';
import type { IdempotencyRequest } from '../lib/service-context.js';

/** The Idempotency-Key header, read and hashed with the request; the claim itself is the idempotency module's. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;
const KEY_PATTERN = /^[\x21-\x7e]+$/;

/** JSON with sorted object keys, so a retry that reorders fields hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function readIdempotencyKey(request: FastifyRequest): IdempotencyRequest | undefined {
  const header = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.length > IDEMPOTENCY_KEY_LENGTH_MAX || !KEY_PATTERN.test(key)) {
    throw invalidField(
      'headers/idempotency-key',
      `must be 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} visible ASCII characters`,
      'format',
    );
  }
  const path = request.url.split('?')[0] ?? request.url;
  const requestHash = createHash('sha256')
    .update(`${request.method} ${path}\n${canonicalJson(request.body ?? null)}`)
    .digest();
  return { key, method: request.method, path, requestHash };
}
