import type pg from 'pg';
import type { Clock } from '../../lib/clock.js';

/** How long the first person's id is remembered; it changes only if that person is deleted. */
const FIRST_PERSON_CACHE_MS = 60_000;

/**
 * Who may see the operator pages (jobs, findings): the first person who registered (the one
 * who installed the app) and anyone whose e-mail is in ADMIN_EMAILS.
 */
export class Operators {
  private firstPerson: { id: string | null; until: number } | undefined;

  constructor(private readonly deps: { pool: pg.Pool; clock: Clock; adminEmails: readonly string[] }) {}

  async isOperator(user: { id: string; email: string }): Promise<boolean> {
    if (this.deps.adminEmails.includes(user.email.toLowerCase())) return true;
    return (await this.firstPersonId()) === user.id;
  }

  private async firstPersonId(): Promise<string | null> {
    const now = this.deps.clock.now().getTime();
    if (this.firstPerson && this.firstPerson.until > now) return this.firstPerson.id;
    const result = await this.deps.pool.query<{ id: string }>('SELECT id FROM users ORDER BY created_at, id LIMIT 1');
    const id = result.rows[0]?.id ?? null;
    this.firstPerson = { id, until: now + FIRST_PERSON_CACHE_MS };
    return id;
  }
}
