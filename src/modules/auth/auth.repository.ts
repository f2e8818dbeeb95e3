import type pg from 'pg';
import { pgCode, SqlState } from '../../db/sqlstate.js';
import { withTransaction } from '../../db/unit-of-work.js';

/** A language the app ships; null on a person means "follow the browser". */
export type UserLanguage = 'pt-BR' | 'en';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  language: UserLanguage | null;
  rowVersion: number;
  createdAt: Date;
}

export interface SessionUser {
  sessionId: string;
  userId: string;
  email: string;
  name: string;
  language: UserLanguage | null;
  rowVersion: number;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
}

export interface SessionRow {
  id: string;
  userId: string;
  tokenHash: Buffer;
  createdAt: Date;
  expiresAt: Date;
}

/** What the purge removes: sessions no request may use any more. */
export interface PurgeCutoffs {
  /** Sessions whose absolute expiry is at or before this instant. */
  expiredAt: Date;
  /** Sessions last seen at or before this instant (idle too long). */
  idleSince: Date;
  /** Sessions revoked at or before this instant. */
  revokedBefore: Date;
  batchMax: number;
}

/**
 * People and their sessions, in plain SQL through the pool. Errors from pg carry the
 * SQLSTATE, constraint and table but not the query's parameters, so a failed insert never
 * puts an e-mail address or a password hash into a log line (an ORM that embeds the
 * parameters in its messages did).
 */
export class AuthRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Inserts a user with what every person gets (internal ledger accounts, default
   * categories) in one transaction; returns undefined when the e-mail is taken.
   * `alsoInTransaction` writes what must exist exactly when the person does (the consents
   * accepted on the registration form).
   */
  async insertUser(row: UserRow, alsoInTransaction?: (client: pg.PoolClient) => Promise<void>): Promise<UserRow | undefined> {
    try {
      return await withTransaction(this.pool, async (client) => {
        await client.query({
          name: 'auth_insert_user',
          text: `INSERT INTO users (id, email, name, password_hash, row_version, created_at)
                 VALUES ($1, $2, $3, $4, 1, $5)`,
          values: [row.id, row.email, row.name, row.passwordHash, row.createdAt],
        });
        await client.query({ name: 'auth_provision_user', text: 'SELECT provision_user($1)', values: [row.id] });
        await alsoInTransaction?.(client);
        return row;
      });
    } catch (error) {
      if (pgCode(error) === SqlState.uniqueViolation) return undefined;
      throw error;
    }
  }

  /** A deleted person's row is never found (its e-mail and password were replaced too: defence in depth). */
  async findUserByEmail(email: string): Promise<UserRow | undefined> {
    const result = await this.pool.query<UserRow>({
      name: 'auth_user_by_email',
      text: `SELECT id, email, name, password_hash AS "passwordHash", language, row_version AS "rowVersion",
                    created_at AS "createdAt"
               FROM users WHERE email = $1 AND deleted_at IS NULL`,
      values: [email],
    });
    return result.rows[0];
  }

  /**
   * The session and, when the client's address is known, the access-log line Marco Civil
   * art. 15 asks for (docs/DATA-RETENTION.md), in one statement: a session is never opened
   * without its record.
   */
  async insertSession(row: SessionRow & { ip?: string | undefined }): Promise<boolean> {
    // Only for a person who is not deleted, read under a key-share lock: a sign-in that checked
    // the password while the account was being deleted waits for the deletion's lock on the
    // row, then sees deleted_at and opens nothing (the deletion has already ended every session).
    const result = await this.pool.query({
      name: 'auth_insert_session',
      text: `WITH person AS (
               SELECT id FROM users WHERE id = $2 AND deleted_at IS NULL FOR KEY SHARE
             ), opened AS (
               INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
               SELECT $1, person.id, $3, $4, $5, $4 FROM person RETURNING user_id, created_at
             ), logged AS (
               INSERT INTO access_log (user_id, ip, at)
               SELECT user_id, $6::inet, created_at FROM opened WHERE $6::inet IS NOT NULL
             )
             SELECT count(*)::int AS opened FROM opened`,
      values: [row.id, row.userId, row.tokenHash, row.createdAt, row.expiresAt, row.ip ?? null],
    });
    return result.rows[0]?.opened === 1;
  }

  /**
   * The one query per authenticated request (when the session cache does not answer): a
   * session that is neither revoked, past its expiry, nor idle since `idleSince`, and its
   * user. A named prepared statement, so it is parsed and planned once per connection.
   */
  async findLiveSession(options: { tokenHash: Buffer; now: Date; idleSince: Date }): Promise<SessionUser | undefined> {
    const result = await this.pool.query<SessionUser>({
      name: 'auth_live_session',
      text: `SELECT s.id AS "sessionId", u.id AS "userId", u.email, u.name, u.language,
                    u.row_version AS "rowVersion", u.created_at AS "createdAt",
                    s.expires_at AS "expiresAt", s.last_seen_at AS "lastSeenAt"
               FROM sessions s JOIN users u ON u.id = s.user_id
              WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3
                AND u.deleted_at IS NULL`,
      values: [options.tokenHash, options.now, options.idleSince],
    });
    return result.rows[0];
  }

  /**
   * Moves a live session's last_seen_at forward, unless another request already did so
   * since `touchedBefore`. The database does not announce a change of last_seen_at alone
   * (migration 20261201000200), so a touch does not empty any process's session cache.
   */
  async touchSession(options: { sessionId: string; now: Date; touchedBefore: Date }): Promise<void> {
    await this.pool.query({
      name: 'auth_touch_session',
      text: `UPDATE sessions SET last_seen_at = $2
              WHERE id = $1 AND revoked_at IS NULL AND last_seen_at <= $3`,
      values: [options.sessionId, options.now, options.touchedBefore],
    });
  }

  async revokeSession(options: { sessionId: string; userId: string; now: Date }): Promise<void> {
    await this.pool.query({
      name: 'auth_revoke_session',
      text: 'UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL',
      values: [options.sessionId, options.userId, options.now],
    });
  }

  /** Revokes every session of the person, this one included; returns how many were live. */
  async revokeAllSessions(options: { userId: string; now: Date }): Promise<number> {
    const result = await this.pool.query({
      name: 'auth_revoke_all_sessions',
      text: 'UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL',
      values: [options.userId, options.now],
    });
    return result.rowCount ?? 0;
  }

  /**
   * Deletes up to batchMax sessions that can no longer be used: expired, idle too long,
   * or revoked long enough ago. Batched by ctid so one statement never holds many row
   * locks or writes a large burst of WAL. The transaction is marked as deleting dead
   * sessions so the delete trigger does not announce them (migration
   * 20261201000300): no process may serve any of them from memory, and one announcement
   * per row would make every process handle thousands of notifications per purge.
   */
  async purgeDeadSessions(cutoffs: PurgeCutoffs): Promise<number> {
    return await withTransaction(this.pool, async (client) => {
      await client.query(`SELECT set_config('vai_de_pix.deleting_dead_sessions', 'on', true)`);
      const result = await client.query(
        `DELETE FROM sessions WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM sessions
            WHERE expires_at <= $1 OR last_seen_at <= $2 OR revoked_at <= $3
            LIMIT $4))`,
        [cutoffs.expiredAt, cutoffs.idleSince, cutoffs.revokedBefore, cutoffs.batchMax],
      );
      return result.rowCount ?? 0;
    });
  }
}
