import type { Queryable } from '../../db/queryable.js';
import { CATEGORIES_PER_USER_MAX } from '../../lib/bounds.js';
import { DomainError, invalidField, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { PageResult } from '../../lib/pagination.js';
import { updateOrConflict } from '../../lib/row-version.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import {
  type CategoryRow,
  countCategories,
  findCategory,
  insertCategory,
  listCategories,
  NAME_TAKEN,
  updateCategory,
} from './categories.repository.js';
import type { CategoryResponse, CreateCategoryInput, PatchCategoryInput } from './categories.schemas.js';

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
  return invalidField('body/name', 'must not be blank', 'blank');
}

/** A transaction's category must exist for the person, match its kind and be in use. */
export async function checkCategoryFor(
  client: Queryable,
  options: { userId: string; categoryId: string; kind: string },
): Promise<void> {
  const category = await findCategory(client, options.userId, options.categoryId);
  if (!category) throw notFound('category');
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
    const { rows, total } = await listCategories(this.deps.pool, {
      userId,
      kind: query.kind,
      includeArchived: query.include_archived,
      skip: query.skip,
      limit: query.limit,
    });
    return { items: rows.map(toResponse), total, skip: query.skip, limit: query.limit };
  }

  async create(context: RequestContext, input: CreateCategoryInput): Promise<WriteResult<CategoryResponse>> {
    const name = input.name.trim();
    if (name.length === 0) throw blankName();
    return idempotentWrite(this.deps, context, async (client, now) => {
      if ((await countCategories(client, context.userId)) >= CATEGORIES_PER_USER_MAX) {
        throw new DomainError('limit_reached', 422, `A person may have at most ${CATEGORIES_PER_USER_MAX} categories.`);
      }
      const row = { id: newId(), userId: context.userId, name, kind: input.kind, createdAt: now };
      const inserted = await insertCategory(client, row);
      if (inserted === NAME_TAKEN) throw nameTaken();
      return { status: 201, body: toResponse(inserted) };
    });
  }

  async patch(userId: string, categoryId: string, input: PatchCategoryInput): Promise<CategoryResponse> {
    const name = input.name?.trim();
    if (name !== undefined && name.length === 0) throw blankName();
    const { pool, clock } = this.deps;
    const updated = await updateOrConflict({
      entity: 'category',
      update: async () => {
        const edit = { userId, categoryId, rowVersion: input.row_version, name, archived: input.archived, now: clock.now() };
        const row = await updateCategory(pool, edit);
        if (row === NAME_TAKEN) throw nameTaken();
        return row;
      },
      current: async () => {
        const current = await findCategory(pool, userId, categoryId);
        return current && toResponse(current);
      },
    });
    return toResponse(updated);
  }
}
