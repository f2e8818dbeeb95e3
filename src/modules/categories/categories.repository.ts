import { lockPersonForCount } from '../../db/locks.js';
import type { Queryable } from '../../db/queryable.js';
import { pgCode, SqlState } from '../../db/sqlstate.js';
import { MONTH_INSIGHTS } from '../insights/staleness.js';

export interface CategoryRow {
  id: string;
  user_id: string;
  name: string;
  kind: 'income' | 'expense';
  system_key: string | null;
  row_version: number;
  archived_at: Date | null;
  created_at: Date;
}

/** What the unique index on (user_id, kind, name) answers when a write reuses a name. */
export const NAME_TAKEN = 'name_taken';

const COLUMNS = 'id, user_id, name, kind, system_key, row_version, archived_at, created_at';

/** The person's category, or undefined when it does not exist or is someone else's. */
export async function findCategory(client: Queryable, userId: string, categoryId: string): Promise<CategoryRow | undefined> {
  const result = await client.query<CategoryRow>(`SELECT ${COLUMNS} FROM categories WHERE user_id = $1 AND id = $2`, [
    userId,
    categoryId,
  ]);
  return result.rows[0];
}

/** One page of the person's categories, by kind then name, with how many match in all. */
export async function listCategories(
  client: Queryable,
  options: { userId: string; kind: 'income' | 'expense' | undefined; includeArchived: boolean; skip: number; limit: number },
): Promise<{ rows: CategoryRow[]; total: number }> {
  const where = 'user_id = $1 AND ($2::text IS NULL OR kind = $2) AND ($3 OR archived_at IS NULL)';
  const parameters = [options.userId, options.kind ?? null, options.includeArchived];
  const [rows, total] = await Promise.all([
    client.query<CategoryRow>(
      `SELECT ${COLUMNS} FROM categories WHERE ${where} ORDER BY kind, lower(name), id LIMIT $4 OFFSET $5`,
      [...parameters, options.limit, options.skip],
    ),
    client.query<{ n: number }>(`SELECT count(*)::int AS n FROM categories WHERE ${where}`, parameters),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

/** For a create: locks the person first (lockPersonForCount), so creates at once count one by one. */
export async function countCategories(client: Queryable, userId: string): Promise<number> {
  await lockPersonForCount(client, userId);
  const count = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM categories WHERE user_id = $1', [userId]);
  return count.rows[0]?.n ?? 0;
}

/** The unique violation of a reused name, as a value; anything else is rethrown. */
async function nameTakenAsValue<T>(write: () => Promise<T>): Promise<T | typeof NAME_TAKEN> {
  try {
    return await write();
  } catch (error) {
    if (pgCode(error) === SqlState.uniqueViolation) return NAME_TAKEN;
    throw error;
  }
}

export async function insertCategory(
  client: Queryable,
  row: { id: string; userId: string; name: string; kind: 'income' | 'expense'; createdAt: Date },
): Promise<CategoryRow | typeof NAME_TAKEN> {
  return nameTakenAsValue(async () => {
    const result = await client.query<CategoryRow>(
      `INSERT INTO categories (id, user_id, name, kind, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [row.id, row.userId, row.name, row.kind, row.createdAt],
    );
    return result.rows[0] as CategoryRow;
  });
}

/**
 * Renames and/or archives (archived true) or restores (false) the category when rowVersion
 * is still current; undefined when no row matched (gone, someone else's, or stale).
 */
export async function updateCategory(
  client: Queryable,
  options: {
    userId: string;
    categoryId: string;
    rowVersion: number;
    name: string | undefined;
    archived: boolean | undefined;
    now: Date;
  },
): Promise<CategoryRow | typeof NAME_TAKEN | undefined> {
  return nameTakenAsValue(async () => {
    // Cached insights carry category names: a rename marks all of the person's months stale
    // in the same statement (see insights/staleness.ts), stale ones included so that a
    // concurrent claim waits for the rename to commit.
    const result = await client.query<CategoryRow>(
      `WITH updated AS (
         UPDATE categories
            SET name = coalesce($4, name),
                archived_at = CASE WHEN $5::boolean IS NULL THEN archived_at
                                   WHEN $5 THEN coalesce(archived_at, $6) ELSE NULL END,
                row_version = row_version + 1
          WHERE user_id = $1 AND id = $2 AND row_version = $3
          RETURNING ${COLUMNS}
       ), marked AS (
         UPDATE insight_cache SET stale = true
          WHERE user_id = $1 AND kind = '${MONTH_INSIGHTS}' AND $4::text IS NOT NULL AND EXISTS (SELECT 1 FROM updated)
       )
       SELECT * FROM updated`,
      [options.userId, options.categoryId, options.rowVersion, options.name ?? null, options.archived ?? null, options.now],
    );
    return result.rows[0];
  });
}
