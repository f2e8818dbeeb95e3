import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import { routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import { Category, CategoryListQuery, CategoryPage, CreateCategoryBody, PatchCategoryBody } from './categories.schemas.js';
import type { CategoriesService } from './categories.service.js';

/** The categories module's routes, registered under /api/categories; every one needs a session. */
export async function categoriesRoutes(app: FastifyInstance, options: { categories: CategoriesService }) {
  const { categories } = options;
  requireSession(app);
  const api = routeApi(app);
  const common = { tags: ['categories'], security: bearerSecurity };

  api.get(
    '',
    {
      schema: {
        ...common,
        summary: 'Categories by kind and name',
        querystring: CategoryListQuery,
        response: { 200: Type.Ref(CategoryPage), ...problems(400, 401) },
      },
    },
    async (request) => categories.list(currentUser(request).id, request.query),
  );

  api.post(
    '',
    {
      schema: {
        ...common,
        summary: 'Create a category',
        headers: IdempotencyHeaders,
        body: CreateCategoryBody,
        response: { 201: Type.Ref(Category), ...problems(400, 401, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await categories.create(requestContext(request, reply), request.body)),
  );

  api.patch(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'Rename, archive or unarchive a category',
        params: IdParams,
        body: PatchCategoryBody,
        response: { 200: Type.Ref(Category), ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => categories.patch(currentUser(request).id, request.params.id, request.body),
  );
}
