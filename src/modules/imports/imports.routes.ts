import { createHash } from 'node:crypto';
import fastifyMultipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, FastifyRequest, FastifySchema, FastifySchemaCompiler } from 'fastify';
import { currentUser, requireSession } from '../../http/auth.js';
import { IdempotencyHeaders, IdParams } from '../../http/common-schemas.js';
import { requestContext } from '../../http/context.js';
import type { RateLimiter, RateLimitRule } from '../../http/rate-limit.js';
import { type RouteApi, routeApi } from '../../http/route-api.js';
import { bearerSecurity, problems } from '../../http/schemas.js';
import { sendWrite } from '../../http/send-write.js';
import { SHARED_SCHEMAS } from '../../http/shared-schemas.js';
import {
  createValidatorCompiler,
  findUnsafeText,
  isUnsafeText,
  UNSAFE_TEXT_KEYWORD,
  UNSAFE_TEXT_MESSAGE,
} from '../../http/validation.js';
import { DomainError, invalidField } from '../../lib/errors.js';
import { isLowerCaseUuid } from '../../lib/ids.js';
import {
  ConfirmBody,
  CreateImportForm,
  CreateRuleBody,
  CsvMappingSchema,
  ImportConfirmed,
  ImportListQuery,
  ImportPage,
  ImportPreview,
  ImportRule,
  ImportRulePage,
  ImportUndone,
  MAPPING_TEXT_LENGTH_MAX,
  PRESET_LENGTH_MAX,
  PresetList,
  RuleListQuery,
} from './imports.schemas.js';
import { featureDisabled, type ImportsService, importTooLarge, type UploadInput } from './imports.service.js';
import { type CsvMapping, IMPORT_FILE_BYTES_MAX, type StatementFormat } from './statement.js';

const common = { tags: ['imports'], security: bearerSecurity };

/** The form's text fields; anything else in the form is refused. */
const FORM_FIELDS = new Set(['account_id', 'format', 'preset', 'mapping']);
/** Parts one upload may have: the file and the four fields (more is a hostile or broken form). */
const FORM_PARTS_MAX = 1 + FORM_FIELDS.size;
/** A field name longer than any the form has is refused by busboy's own limit. */
const FIELD_NAME_BYTES_MAX = 32;
/** Required on confirm and undo: the writes that move money must be safe to retry. */
const RequiredIdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'Required: the same key and body replay the first answer, never a second posting',
  }),
});

function formError(field: string, message: string, code: string): DomainError {
  return invalidField(`body/${field}`, message, code);
}

/** The multipart plugin's errors as this API's problems. */
function multipartProblem(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return importTooLarge(`The file is larger than ${IMPORT_FILE_BYTES_MAX} bytes.`);
    case 'FST_FILES_LIMIT':
      return formError('file', 'send exactly one file', 'maxItems');
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return formError('', `at most ${FORM_PARTS_MAX} parts`, 'maxProperties');
    default:
      return new DomainError('malformed_body', 400, 'The multipart body could not be read.');
  }
}

interface FormValues {
  fields: Map<string, unknown>;
  file: { bytes: Buffer; fileName: string | null } | undefined;
}

async function readForm(request: FastifyRequest): Promise<FormValues> {
  const fields = new Map<string, unknown>();
  let file: FormValues['file'];
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw formError(part.fieldname, 'is not an accepted field', 'additionalProperties');
        file = { bytes: await part.toBuffer(), fileName: part.filename || null };
        continue;
      }
      if (!FORM_FIELDS.has(part.fieldname)) throw formError(part.fieldname, 'is not an accepted field', 'additionalProperties');
      if (part.valueTruncated) throw formError(part.fieldname, `must be at most ${MAPPING_TEXT_LENGTH_MAX} bytes`, 'maxLength');
      if (fields.has(part.fieldname)) throw formError(part.fieldname, 'is sent twice', 'uniqueItems');
      fields.set(part.fieldname, part.value);
    }
  } catch (error) {
    throw multipartProblem(error);
  }
  return { fields, file };
}

function textField(fields: Map<string, unknown>, name: string): string | undefined {
  const value = fields.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw formError(name, 'must be text', 'type');
  // The form skips the body validator and its unsafe-text walk: PostgreSQL refuses U+0000 with a 500.
  if (isUnsafeText(value)) throw formError(name, UNSAFE_TEXT_MESSAGE, UNSAFE_TEXT_KEYWORD);
  return value;
}

/** The mapping field: JSON text (or a part sent as application/json) of a CsvMapping. */
function mappingField(fields: Map<string, unknown>): CsvMapping | undefined {
  const value = fields.get('mapping');
  if (value === undefined) return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw formError('mapping', 'must be JSON', 'format');
    }
  }
  const unsafe = findUnsafeText(parsed);
  if (unsafe !== undefined) throw formError(`mapping${unsafe}`, UNSAFE_TEXT_MESSAGE, UNSAFE_TEXT_KEYWORD);
  if (!Value.Check(CsvMappingSchema, parsed)) throw formError('mapping', 'is not a column mapping', 'type');
  return parsed as CsvMapping;
}

/** The upload as the service takes it, and what its Idempotency-Key is hashed with (the file by its digest). */
async function readUpload(request: FastifyRequest): Promise<UploadInput> {
  if (!request.isMultipart()) {
    throw new DomainError('unsupported_media_type', 415, 'Send the statement as multipart/form-data.');
  }
  const { fields, file } = await readForm(request);
  if (!file) throw formError('file', 'is required', 'required');
  const accountId = textField(fields, 'account_id');
  if (accountId === undefined) throw formError('account_id', 'is required', 'required');
  if (!isLowerCaseUuid(accountId)) throw formError('account_id', 'must be a UUID in lower case', 'format');
  const format = textField(fields, 'format');
  if (format !== undefined && format !== 'ofx' && format !== 'csv') throw formError('format', 'must be ofx or csv', 'enum');
  const preset = textField(fields, 'preset');
  if (preset !== undefined && (preset.length === 0 || preset.length > PRESET_LENGTH_MAX)) {
    throw formError('preset', `must be 1 to ${PRESET_LENGTH_MAX} characters`, 'maxLength');
  }
  return {
    bytes: file.bytes,
    fileName: file.fileName,
    accountId,
    format: format as StatementFormat | undefined,
    preset,
    mapping: mappingField(fields),
  };
}

/** The form is read by hand (readUpload), so the body schema only documents it. */
const documentedBodyOnly = (): FastifySchemaCompiler<FastifySchema> => {
  const compile = createValidatorCompiler(SHARED_SCHEMAS);
  return (route) => (route.httpPart === 'body' ? () => true : compile(route));
};

/** POST and GET /api/imports, and one import. */
function importRoutes(api: RouteApi, imports: ImportsService, limiter: RateLimiter) {
  api.post(
    '',
    {
      schema: {
        ...common,
        summary:
          'Upload a statement (OFX or CSV) for an account: a preview of its lines, duplicates and guessed categories; nothing is posted',
        consumes: ['multipart/form-data'],
        headers: IdempotencyHeaders,
        body: CreateImportForm,
        response: { 201: ImportPreview, ...problems(400, 401, 404, 409, 413, 415, 422, 429) },
      },
      validatorCompiler: documentedBodyOnly(),
      onRequest: async (request) => limiter.enforce('imports:upload', currentUser(request).id, IMPORT_UPLOAD_RATE_LIMIT),
    },
    async (request, reply) => {
      const upload = await readUpload(request);
      // The Idempotency-Key is hashed with the request's body: here the fields and the file's digest.
      request.body = {
        account_id: upload.accountId,
        format: upload.format,
        preset: upload.preset,
        mapping: upload.mapping,
        file_sha256: createHash('sha256').update(upload.bytes).digest('hex'),
      } as never;
      return sendWrite(reply, await imports.preview(requestContext(request, reply), upload));
    },
  );

  api.get(
    '',
    {
      schema: {
        ...common,
        summary: 'Imports, newest first',
        querystring: ImportListQuery,
        response: { 200: ImportPage, ...problems(400, 401, 404) },
      },
    },
    async (request) => imports.list(currentUser(request).id, request.query),
  );

  api.get(
    '/:id',
    {
      schema: {
        ...common,
        summary: 'One import with its lines',
        params: IdParams,
        response: { 200: ImportPreview, ...problems(400, 401, 404) },
      },
    },
    async (request) => imports.get(currentUser(request).id, request.params.id),
  );
}

/** Confirm and undo: the two writes that move money. */
function postingRoutes(api: RouteApi, imports: ImportsService) {
  api.post(
    '/:id/confirm',
    {
      schema: {
        ...common,
        summary: 'Post the preview’s new lines as incomes and expenses, in one database transaction (duplicates are skipped)',
        params: IdParams,
        headers: RequiredIdempotencyHeaders,
        body: ConfirmBody,
        response: { 201: ImportConfirmed, ...problems(400, 401, 404, 409, 422) },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) =>
      sendWrite(reply, await imports.confirm(requestContext(request, reply), request.params.id, request.body)),
  );

  api.post(
    '/:id/undo',
    {
      schema: {
        ...common,
        summary: 'Reverse every posting of the import (reversals, never deletes); the file can then be imported again',
        params: IdParams,
        headers: RequiredIdempotencyHeaders,
        response: { 201: ImportUndone, ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await imports.undo(requestContext(request, reply), request.params.id)),
  );
}

/** Category rules: "always put UBER in Transporte". */
function ruleRoutes(api: RouteApi, imports: ImportsService) {
  api.get(
    '/rules',
    {
      schema: {
        ...common,
        summary: 'Category rules, newest first',
        querystring: RuleListQuery,
        response: { 200: ImportRulePage, ...problems(400, 401) },
      },
    },
    async (request) => imports.listRules(currentUser(request).id, request.query),
  );

  api.post(
    '/rules',
    {
      schema: {
        ...common,
        summary: 'Save a rule: a description containing the pattern gets the category (the same pattern again replaces it)',
        body: CreateRuleBody,
        response: { 201: ImportRule, ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => sendWrite(reply, await imports.createRule(requestContext(request, reply), request.body)),
  );

  api.delete(
    '/rules/:id',
    {
      schema: {
        ...common,
        summary: 'Delete a rule',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      await imports.deleteRule(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/presets',
    {
      schema: {
        ...common,
        summary: 'The CSV layouts the readers recognise (bank exports and the app’s own), by id, for the preset field',
        response: { 200: PresetList, ...problems(401) },
      },
    },
    async () => imports.presets(),
  );

  api.get(
    '/mappings/:id',
    {
      schema: {
        ...common,
        summary: 'The CSV mapping remembered for an account (by account id), used by default on its next CSV',
        params: IdParams,
        response: {
          200: Type.Object(
            { account_id: Type.String({ format: 'uuid' }), mapping: Type.Union([CsvMappingSchema, Type.Null()]) },
            { additionalProperties: false },
          ),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => imports.mapping(currentUser(request).id, request.params.id),
  );
}

/**
 * The imports module's routes under /api/imports; every one needs a session. With
 * ENABLE_IMPORTS=false each answers 404 feature_disabled before any body is read.
 */
/**
 * Uploads per person: reading a 10 MB file takes the event loop for up to about two seconds
 * (docs/IMPORTS.md, "Limits"), so one person cannot keep the process busy for everyone.
 */
export const IMPORT_UPLOAD_RATE_LIMIT: RateLimitRule = { max: 30, window_ms: 10 * 60_000 };

export async function importsRoutes(
  app: FastifyInstance,
  options: { imports: ImportsService; enabled: boolean; limiter: RateLimiter },
) {
  requireSession(app);
  app.addHook('onRequest', async () => {
    if (!options.enabled) throw featureDisabled();
  });
  await app.register(fastifyMultipart, {
    limits: {
      fileSize: IMPORT_FILE_BYTES_MAX,
      files: 1,
      fields: FORM_FIELDS.size,
      parts: FORM_PARTS_MAX,
      fieldSize: MAPPING_TEXT_LENGTH_MAX,
      fieldNameSize: FIELD_NAME_BYTES_MAX,
    },
  });
  const api = routeApi(app);
  importRoutes(api, options.imports, options.limiter);
  postingRoutes(api, options.imports);
  ruleRoutes(api, options.imports);
}
