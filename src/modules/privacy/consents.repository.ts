import type { Queryable } from '../../db/queryable.js';
import type { ConsentDocument } from './consents.js';

export interface ConsentRow {
  id: string;
  user_id: string;
  document: ConsentDocument;
  version: string;
  accepted_at: Date;
}

/** The person's acceptances, newest first, at most `limit` of them. */
export async function listConsents(client: Queryable, options: { userId: string; limit: number }): Promise<ConsentRow[]> {
  const result = await client.query<ConsentRow>({
    name: 'consents_list',
    text: `SELECT id, user_id, document, version, accepted_at FROM consents
            WHERE user_id = $1 ORDER BY accepted_at DESC, id DESC LIMIT $2`,
    values: [options.userId, options.limit],
  });
  return result.rows;
}

/**
 * Which of these versions the person has accepted: the one lookup every GET /api/me and
 * sign-in makes, answered from the (user_id, document, version) unique index.
 */
export async function acceptedAmong(
  client: Queryable,
  options: { userId: string; terms: string; privacy: string },
): Promise<Array<{ document: ConsentDocument; version: string }>> {
  const result = await client.query<{ document: ConsentDocument; version: string }>({
    name: 'consents_accepted_among',
    text: `SELECT document, version FROM consents
            WHERE user_id = $1 AND ((document = 'terms' AND version = $2) OR (document = 'privacy' AND version = $3))`,
    values: [options.userId, options.terms, options.privacy],
  });
  return result.rows;
}

/**
 * Records an acceptance; one already recorded for this version stays as it was (its first
 * accepted_at counts), so a retried or repeated click adds no row.
 */
export async function insertConsent(client: Queryable, row: ConsentRow): Promise<void> {
  await client.query({
    name: 'consents_insert',
    text: `INSERT INTO consents (id, user_id, document, version, accepted_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT ON CONSTRAINT consents_once_per_version DO NOTHING`,
    values: [row.id, row.user_id, row.document, row.version, row.accepted_at],
  });
}
