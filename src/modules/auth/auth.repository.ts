import { and, eq, isNull, sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Database } from '../../db/database.js';
import { sessions, users } from '../../db/schema.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: Date;
}

export interface SessionUser {
  sessionId: string;
  userId: string;
  email: string;
  name: string;
  createdAt: Date;
  expiresAt: Date;
}

const UNIQUE_VIOLATION = '23505';

export class AuthRepository {
  constructor(
    private readonly db: Database,
    private readonly pool: pg.Pool,
  ) {}

  /**
   * Inserts a user with what every person gets (internal ledger accounts, default
   * categories) in one transaction; returns undefined when the e-mail is taken.
   */
  async insertUser(row: UserRow): Promise<UserRow | undefined> {
    try {
      await this.db.transaction(async (tx) => {
        await tx.insert(users).values({ ...row, rowVersion: 1 });
        await tx.execute(sql`SELECT provision_user(${row.id})`);
      });
      return row;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause ?? error;
      if ((cause as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw error;
    }
  }

  async findUserByEmail(email: string): Promise<UserRow | undefined> {
    const rows = await this.db
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        passwordHash: users.passwordHash,
        createdAt: users.createdAt,
      })
      .from(users)
      .where(eq(users.email, email))
      .limit(1);
    return rows[0];
  }

  async insertSession(row: { id: string; userId: string; tokenHash: Buffer; createdAt: Date; expiresAt: Date }): Promise<void> {
    await this.db.insert(sessions).values(row);
  }

  /**
   * The one query per authenticated request: a live session and its user. Plain SQL as a
   * named prepared statement rather than Drizzle: it runs on every request, and parsing
   * and planning it each time cost more than the lookup (measured: 1.5 ms vs 1.1 ms).
   */
  async findLiveSession(tokenHash: Buffer, now: Date): Promise<SessionUser | undefined> {
    const result = await this.pool.query<SessionUser>({
      name: 'auth_live_session',
      text: `SELECT s.id AS "sessionId", u.id AS "userId", u.email, u.name, u.created_at AS "createdAt",
                    s.expires_at AS "expiresAt"
               FROM sessions s JOIN users u ON u.id = s.user_id
              WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2`,
      values: [tokenHash, now],
    });
    return result.rows[0];
  }

  async revokeSession(options: { sessionId: string; userId: string; now: Date }): Promise<void> {
    await this.db
      .update(sessions)
      .set({ revokedAt: options.now })
      .where(and(eq(sessions.id, options.sessionId), eq(sessions.userId, options.userId), isNull(sessions.revokedAt)));
  }
}
