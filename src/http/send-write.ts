import type { FastifyReply } from 'fastify';
import type { WriteResult } from '../lib/service-context.js';

/**
 * Sends a write's result; a replay carries Idempotent-Replayed: true. A payload serialised
 * before the commit is sent as is, so nothing is left to fail once the write is committed.
 */
export function sendWrite(reply: FastifyReply, result: WriteResult<unknown>) {
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  if (result.payload !== undefined) {
    return reply.code(result.status).type('application/json; charset=utf-8').send(result.payload);
  }
  return reply.code(result.status).send(result.body);
}
