import type pg from 'pg';
import { pgCode, SqlState } from '../../db/sqlstate.js';
import { withTransaction } from '../../db/unit-of-work.js';
import type { UserLanguage, UserRow } from './auth.repository.js';

/** A person as the profile screen edits them; the password hash never leaves the service. */
export type ProfileRow = Omit<UserRow, 'passwordHash'>;

const PROFILE_COLUMNS = `id, email, name, language, row_version AS "rowVersion", created_at AS "createdAt"`;

/**
 * The profile's SQL: one person's own row, always by the id of the authenticated session.
 * Every UPDATE of users or sessions is announced by the database's own triggers
 * (migration 20261130000000), so each API process drops its cached copy of the person
 * and of any revoked session the moment the transaction commits.
 */
export class ProfileRepository {
  constructor(private readonly pool: pg.Pool) {}

  async findProfile(userId: string): Promise<ProfileRow | undefined> {
    const result = await this.pool.query<ProfileRow>({
      name: 'profile_find',
      text: `SELECT ${PROFILE_COLUMNS} FROM users WHERE id = $1`,
      values: [userId],
    });
    return result.rows[0];
  }

  async findPasswordHash(userId: string): Promise<string | undefined> {
    const result = await this.pool.query<{ passwordHash: string }>({
      name: 'profile_password_hash',
      text: `SELECT password_hash AS "passwordHash" FROM users WHERE id = $1`,
      values: [userId],
    });
    return result.rows[0]?.passwordHash;
  }

  /**
   * Sets the name and/or the language (undefined keeps the stored value; a null language
   * clears it) when rowVersion is undefined or still current; undefined when nothing matched.
   */
  async updateProfile(options: {
    userId: string;
    name: string | undefined;
    language: UserLanguage | null | undefined;
    rowVersion: number | undefined;
  }): Promise<ProfileRow | undefined> {
    const result = await this.pool.query<ProfileRow>({
      name: 'profile_update',
      text: `UPDATE users
                SET name = COALESCE($2, name),
                    language = CASE WHEN $3::boolean THEN $4 ELSE language END,
                    row_version = row_version + 1
              WHERE id = $1 AND ($5::integer IS NULL OR row_version = $5)
          RETURNING ${PROFILE_COLUMNS}`,
      values: [
        options.userId,
        options.name ?? null,
        options.language !== undefined,
        options.language ?? null,
        options.rowVersion ?? null,
      ],
    });
    return result.rows[0];
  }

  /**
   * Moves the person to a new (normalised) e-mail, only while the password hash is still
   * the one the service verified against; 'taken' when another person has that e-mail.
   */
  async updateEmail(options: { userId: string; email: string; passwordHash: string }): Promise<ProfileRow | 'taken' | undefined> {
    try {
      const result = await this.pool.query<ProfileRow>({
        name: 'profile_update_email',
        text: `UPDATE users SET email = $2, row_version = row_version + 1
                WHERE id = $1 AND password_hash = $3
            RETURNING ${PROFILE_COLUMNS}`,
        values: [options.userId, options.email, options.passwordHash],
      });
      return result.rows[0];
    } catch (error) {
      if (pgCode(error) === SqlState.uniqueViolation) return 'taken';
      throw error;
    }
  }

  /**
   * In one transaction: replaces the password hash (only if it is still the one the service
   * verified, so two changes at once cannot both win), revokes every other live session of
   * the person, and forgets every browser remembered for the sign-in limits. Returns how
   * many sessions it ended, or undefined when the hash had changed meanwhile.
   */
  async replacePassword(options: {
    userId: string;
    previousHash: string;
    nextHash: string;
    keepSessionId: string;
    now: Date;
  }): Promise<number | undefined> {
    return await withTransaction(this.pool, async (client) => {
      const updated = await client.query({
        name: 'profile_replace_password',
        text: `UPDATE users SET password_hash = $3, row_version = row_version + 1
                WHERE id = $1 AND password_hash = $2`,
        values: [options.userId, options.previousHash, options.nextHash],
      });
      if (updated.rowCount !== 1) return undefined;
      const revoked = await client.query({
        name: 'profile_revoke_other_sessions',
        text: `UPDATE sessions SET revoked_at = $3
                WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
        values: [options.userId, options.keepSessionId, options.now],
      });
      await client.query({
        name: 'profile_forget_devices',
        text: 'DELETE FROM known_devices WHERE user_id = $1',
        values: [options.userId],
      });
      return revoked.rowCount ?? 0;
    });
  }
}
