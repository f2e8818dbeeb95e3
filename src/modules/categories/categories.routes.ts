import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../accounts/accounts.routes.js';
import { Category, CategoryListQuery, CategoryPage, CreateCategoryBody, PatchCategoryBody } from './categories.schemas.js';
import type { CategoriesService } from './categories.service.js';

export async function categoriesRoutes(app: FastifyInstance, options: { categories: CategoriesService }) {
  const { categories } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['categories'], security: bearerSecurity };

  api.get(
    '/api/categories',
    {
      schema: {
        ...common,
        summary: 'Categories by kind and name',
        querystring: CategoryListQuery,
        response: { 200: Type.Ref(CategoryPage), ...problems(400, 401) },
      },
      preHandler: app.authenticate,
    },
    async (request) => categories.list(currentUser(request).id, request.query),
  );

  api.post(
    '/api/categories',
    {
      schema: {
        ...common,
        summary: 'Create a category',
        headers: IdempotencyHeaders,
        body: CreateCategoryBody,
        response: { 201: Type.Ref(Category), ...problems(400, 401, 409, 422) },
      },
      preHandler: app.authenticate,
    },
    async (request, reply) => sendWrite(reply, await categories.create(requestContext(request, reply), request.body)),
  );

  api.patch(
    '/api/categories/:id',
    {
      schema: {
        ...common,
        summary: 'Rename, archive or unarchive a category',
        params: IdParams,
        body: PatchCategoryBody,
        response: { 200: Type.Ref(Category), ...problems(400, 401, 404, 409) },
      },
      preHandler: app.authenticate,
    },
    async (request) => categories.patch(currentUser(request).id, request.params.id, request.body),
  );
}
