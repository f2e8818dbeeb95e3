import { type TSchema, Type } from '@sinclair/typebox';

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 100;
/** Deep offsets cost a scan of every skipped row; past this, filter by date instead. */
export const PAGE_SKIP_MAX = 100_000;

export const PageQuery = {
  skip: Type.Integer({ minimum: 0, maximum: PAGE_SKIP_MAX, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT }),
};

export function Page<T extends TSchema>(item: T, id: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      total: Type.Integer({ minimum: 0 }),
      skip: Type.Integer({ minimum: 0 }),
      limit: Type.Integer({ minimum: 1 }),
    },
    { $id: id, additionalProperties: false },
  );
}
