import { type Static, Type } from '@sinclair/typebox';
import { Nullable, RowVersion, Timestamp, Uuid } from '../../http/common-schemas.js';
import { Page, PageQuery } from '../../http/pagination.js';

export const CATEGORY_NAME_LENGTH_MAX = 60;

export const CategoryKind = Type.Union([Type.Literal('income'), Type.Literal('expense')]);

export const Category = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    kind: CategoryKind,
    system_key: Nullable(Type.String({ description: 'Set on the default categories, for translation' })),
    archived: Type.Boolean(),
    row_version: Type.Integer(),
    created_at: Timestamp,
  },
  { $id: 'Category', additionalProperties: false },
);
export type CategoryResponse = Static<typeof Category>;
export const CategoryPage = Page(Type.Ref(Category), 'CategoryPage');

export const CategoryListQuery = Type.Object(
  {
    ...PageQuery,
    kind: Type.Optional(CategoryKind),
    include_archived: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

export const CreateCategoryBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: CATEGORY_NAME_LENGTH_MAX }), kind: CategoryKind },
  { additionalProperties: false },
);
export type CreateCategoryInput = Static<typeof CreateCategoryBody>;

export const PatchCategoryBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: CATEGORY_NAME_LENGTH_MAX })),
    archived: Type.Optional(Type.Boolean()),
    row_version: RowVersion,
  },
  { additionalProperties: false, minProperties: 2 },
);
export type PatchCategoryInput = Static<typeof PatchCategoryBody>;
