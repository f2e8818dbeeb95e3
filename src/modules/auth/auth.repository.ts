import { and, eq, gt, isNull, sql } from 'drizzle-orm';
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
}

const UNIQUE_VIOLATION = '23505';

export class AuthRepository {
  constructor(private readonly db: Database) {}

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

  /** The one query per authenticated request: a live session and its user. */
  async findLiveSession(tokenHash: Buffer, now: Date): Promise<SessionUser | undefined> {
    const rows = await this.db
      .select({ sessionId: sessions.id, userId: users.id, email: users.email, name: users.name, createdAt: users.createdAt })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .limit(1);
    return rows[0];
  }

  async revokeSession(options: { sessionId: string; userId: string; now: Date }): Promise<void> {
    await this.db
      .update(sessions)
      .set({ revokedAt: options.now })
      .where(and(eq(sessions.id, options.sessionId), eq(sessions.userId, options.userId), isNull(sessions.revokedAt)));
  }
}
