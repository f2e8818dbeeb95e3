import type pg from 'pg';
import type { Clock } from '../../lib/clock.js';

/**
 * How long the first person's id is remembered. Once someone has registered it never changes: a
 * deleted person's row stays (anonymised, nobody can sign in to it), so the role does not pass
 * to the next one registered.
 */
const FIRST_PERSON_CACHE_MS = 60_000;

/**
 * Who may see the operator pages (jobs, findings): the first person who registered (the one
 * who installed the app) and anyone whose e-mail is in ADMIN_EMAILS. E-mails are not verified,
 * so an address in the list that no account holds yet goes to whoever registers it first (the
 * app warns at start for each such address), and nobody may change their e-mail to a listed one.
 */
export class Operators {
  private firstPerson: { id: string | null; until: number } | undefined;

  constructor(private readonly deps: { pool: pg.Pool; clock: Clock; adminEmails: readonly string[] }) {}

  isListed(email: string): boolean {
    return this.deps.adminEmails.includes(email.trim().toLowerCase());
  }

  /** The listed addresses that no account holds yet: whoever registers one becomes an operator. */
  async unclaimedAddresses(): Promise<string[]> {
    if (this.deps.adminEmails.length === 0) return [];
    const held = await this.deps.pool.query<{ email: string }>('SELECT email FROM users WHERE email = ANY($1::text[])', [
      this.deps.adminEmails,
    ]);
    const taken = new Set(held.rows.map((row) => row.email));
    return this.deps.adminEmails.filter((email) => !taken.has(email));
  }

  async isOperator(user: { id: string; email: string }): Promise<boolean> {
    if (this.isListed(user.email)) return true;
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
