import type pg from 'pg';
import { pgCode } from '../../db/unit-of-work.js';
import type { RequestContext, ServiceDeps } from '../../http/context.js';
import { DomainError } from '../../http/errors.js';
import { runIdempotentWrite, type WriteResult } from '../../http/idempotency.js';
import type { PageResult } from '../../http/pagination.js';
import { newId } from '../../lib/ids.js';
import {
  CATEGORIES_PER_USER_MAX,
  type CategoryResponse,
  type CreateCategoryInput,
  type PatchCategoryInput,
} from './categories.schemas.js';

interface CategoryRow {
  id: string;
  user_id: string;
  name: string;
  kind: 'income' | 'expense';
  system_key: string | null;
  row_version: number;
  archived_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, user_id, name, kind, system_key, row_version, archived_at, created_at';
const UNIQUE_VIOLATION = '23505';

function toResponse(row: CategoryRow): CategoryResponse {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    system_key: row.system_key,
    archived: row.archived_at !== null,
    row_version: row.row_version,
    created_at: row.created_at.toISOString(),
  };
}

function nameTaken(): DomainError {
  return new DomainError('category_name_taken', 409, 'There is already a category of this kind with this name.');
}

function blankName(): DomainError {
  return new DomainError('validation_failed', 400, 'The request has invalid fields.', {
    errors: [{ field: 'body/name', message: 'must not be blank', code: 'blank' }],
  });
}

export async function findCategory(
  client: pg.Pool | pg.PoolClient,
  userId: string,
  categoryId: string,
): Promise<CategoryRow | undefined> {
  const result = await client.query<CategoryRow>(`SELECT ${COLUMNS} FROM categories WHERE user_id = $1 AND id = $2`, [
    userId,
    categoryId,
  ]);
  return result.rows[0];
}

/** A transaction's category must exist for the person, match its kind and be in use. */
export async function checkCategoryFor(
  client: pg.Pool | pg.PoolClient,
  options: { userId: string; categoryId: string; kind: string },
): Promise<void> {
  const category = await findCategory(client, options.userId, options.categoryId);
  if (!category) throw new DomainError('not_found', 404, 'No such category.');
  if (category.kind !== options.kind) {
    throw new DomainError('category_kind_mismatch', 422, `This category is for ${category.kind}, not ${options.kind}.`);
  }
  if (category.archived_at !== null) throw new DomainError('category_archived', 422, 'This category is archived.');
}

export class CategoriesService {
  constructor(private readonly deps: ServiceDeps) {}

  async list(
    userId: string,
    query: { skip: number; limit: number; kind?: 'income' | 'expense'; include_archived: boolean },
  ): Promise<PageResult<CategoryResponse>> {
    const where = 'user_id = $1 AND ($2::text IS NULL OR kind = $2) AND ($3 OR archived_at IS NULL)';
    const parameters = [userId, query.kind ?? null, query.include_archived];
    const [rows, total] = await Promise.all([
      this.deps.pool.query<CategoryRow>(
        `SELECT ${COLUMNS} FROM categories WHERE ${where} ORDER BY kind, lower(name), id LIMIT $4 OFFSET $5`,
        [...parameters, query.limit, query.skip],
      ),
      this.deps.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM categories WHERE ${where}`, parameters),
    ]);
    return { items: rows.rows.map(toResponse), total: total.rows[0]?.n ?? 0, skip: query.skip, limit: query.limit };
  }

  async create(context: RequestContext, input: CreateCategoryInput): Promise<WriteResult<CategoryResponse>> {
    const name = input.name.trim();
    if (name.length === 0) throw blankName();
    return runIdempotentWrite({
      ...this.deps,
      userId: context.userId,
      idempotency: context.idempotency,
      respond: context.respond,
      work: async (client, now) => {
        const count = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM categories WHERE user_id = $1', [
          context.userId,
        ]);
        if ((count.rows[0]?.n ?? 0) >= CATEGORIES_PER_USER_MAX) {
          throw new DomainError('limit_reached', 422, `A person may have at most ${CATEGORIES_PER_USER_MAX} categories.`);
        }
        try {
          const result = await client.query<CategoryRow>(
            `INSERT INTO categories (id, user_id, name, kind, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
            [newId(), context.userId, name, input.kind, now],
          );
          return { status: 201, body: toResponse(result.rows[0] as CategoryRow) };
        } catch (error) {
          if (pgCode(error) === UNIQUE_VIOLATION) throw nameTaken();
          throw error;
        }
      },
    });
  }

  async patch(userId: string, categoryId: string, input: PatchCategoryInput): Promise<CategoryResponse> {
    const name = input.name?.trim();
    if (name !== undefined && name.length === 0) throw blankName();
    try {
      const result = await this.deps.pool.query<CategoryRow>(
        `UPDATE categories
            SET name = coalesce($4, name),
                archived_at = CASE WHEN $5::boolean IS NULL THEN archived_at
                                   WHEN $5 THEN coalesce(archived_at, $6) ELSE NULL END,
                row_version = row_version + 1
          WHERE user_id = $1 AND id = $2 AND row_version = $3
          RETURNING ${COLUMNS}`,
        [userId, categoryId, input.row_version, name ?? null, input.archived ?? null, this.deps.clock.now()],
      );
      const updated = result.rows[0];
      if (updated) return toResponse(updated);
    } catch (error) {
      if (pgCode(error) === UNIQUE_VIOLATION) throw nameTaken();
      throw error;
    }
    const current = await findCategory(this.deps.pool, userId, categoryId);
    if (!current) throw new DomainError('not_found', 404, 'No such category.');
    throw new DomainError('row_version_conflict', 409, 'The category changed since you read it.', {
      current: toResponse(current),
    });
  }
}
