// The imports part of the API: a statement file becomes a preview, a confirm posts it, an
// undo reverses it. Confirm and undo move money, so they carry the caller's Idempotency-Key.
import { api, unwrap } from '../../api/client';
import type { PageRequest } from '../../api/ledger';
import type { components, paths } from '../../api/schema';

type ImportPost = paths['/api/imports']['post'];
type FormBody = ImportPost extends { requestBody: { content: { 'multipart/form-data': infer B } } } ? B : never;
type JsonBody<T> = T extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export type ImportPreview = ImportPost['responses'][201]['content']['application/json'];
export type ImportLine = ImportPreview['lines'][number];
export type ImportSummary = paths['/api/imports']['get']['responses'][200]['content']['application/json']['items'][number];
export type ConfirmInput = JsonBody<paths['/api/imports/{id}/confirm']['post']>;
export type ImportRule = paths['/api/imports/rules']['post']['responses'][201]['content']['application/json'];
export type ImportConfirmed = paths['/api/imports/{id}/confirm']['post']['responses'][201]['content']['application/json'];
export type AccountBalance = components['schemas']['AccountBalance'];

export interface UploadInput {
  accountId: string;
  file: File;
  preset: string | null;
}

export function uploadStatement(input: UploadInput) {
  const form = new FormData();
  form.append('account_id', input.accountId);
  if (input.preset) form.append('preset', input.preset);
  form.append('file', input.file, input.file.name);
  // openapi-fetch sends a FormData body as it is (the browser writes the boundary).
  return unwrap(api.POST('/api/imports', { body: form as unknown as FormBody }));
}

export function listImports(page: PageRequest) {
  return unwrap(api.GET('/api/imports', { params: { query: page } }));
}

export function confirmImport(id: string, input: ConfirmInput, idempotencyKey: string) {
  return unwrap(
    api.POST('/api/imports/{id}/confirm', {
      params: { path: { id }, header: { 'idempotency-key': idempotencyKey } },
      body: input,
    }),
  );
}

export function undoImport(id: string, idempotencyKey: string) {
  return unwrap(api.POST('/api/imports/{id}/undo', { params: { path: { id }, header: { 'idempotency-key': idempotencyKey } } }));
}

export function createRule(input: { pattern: string; category_id: string }) {
  return unwrap(api.POST('/api/imports/rules', { body: input }));
}

export function listPresets() {
  return unwrap(api.GET('/api/imports/presets'));
}
