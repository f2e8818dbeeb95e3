import type { FastifyInstance } from 'fastify';

/**
 * Reads the app's own OpenAPI document and derives requests from it, so tests that must
 * cover every route and every field find them there instead of in a hand-kept list.
 */

// JSON Schema as the document carries it; only the keywords used below are named.
export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  examples?: unknown[];
}

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: Schema;
  example?: unknown;
}

/** A parameter's schema, with the example the document moves out of it put back. */
function parameterSchema(document: OpenApiDocument, parameter: Parameter): Schema | undefined {
  if (!parameter.schema) return undefined;
  const schema = resolve(document, parameter.schema);
  return parameter.example === undefined ? schema : { ...schema, examples: [parameter.example] };
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export type Part = 'body' | 'querystring' | 'params' | 'headers';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One step from a value into a part of it: a property, or the branch of an anyOf to take. */
type Step = { property: string } | { branch: number } | { item: true };

/** A string somewhere in a request: where it is, how to reach it, and its schema. */
export interface StringSite {
  part: Part;
  /** The name a validation error gives it, such as body/schedule/kind or querystring/q. */
  field: string;
  steps: Step[];
  schema: Schema;
}

export interface Route {
  method: Method;
  path: string;
  operation: Operation;
}

export async function readOpenApi(app: FastifyInstance): Promise<OpenApiDocument> {
  const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
  if (response.statusCode !== 200) throw new Error(`openapi.json: ${response.statusCode}`);
  return response.json() as OpenApiDocument;
}

export function routes(document: OpenApiDocument): Route[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({ method: method.toUpperCase() as Method, path, operation })),
  );
}

export function resolve(document: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined; hops += 1) {
    if (hops > 10) throw new Error(`$ref loop at ${schema.$ref}`);
    const name = current.$ref.replace('#/components/schemas/', '');
    const target = document.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

function isType(schema: Schema, type: string): boolean {
  return schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));
}

export function bodySchema(route: Route): Schema | undefined {
  return route.operation.requestBody?.content?.['application/json']?.schema;
}

const PART_OF: Record<Parameter['in'], Part | undefined> = {
  path: 'params',
  query: 'querystring',
  header: 'headers',
  cookie: undefined,
};

function collectStrings(document: OpenApiDocument, schema: Schema, at: { field: string; steps: Step[] }, into: StringSite[]) {
  const resolved = resolve(document, schema);
  const branches = resolved.anyOf ?? resolved.oneOf;
  if (branches) {
    branches.forEach((branch, index) => {
      collectStrings(document, branch, { field: at.field, steps: [...at.steps, { branch: index }] }, into);
    });
    return;
  }
  if (isType(resolved, 'string')) into.push({ part: 'body', field: at.field, steps: at.steps, schema: resolved });
  for (const [name, property] of Object.entries(resolved.properties ?? {})) {
    collectStrings(document, property, { field: `${at.field}/${name}`, steps: [...at.steps, { property: name }] }, into);
  }
  if (resolved.items) {
    collectStrings(document, resolved.items, { field: `${at.field}/0`, steps: [...at.steps, { item: true }] }, into);
  }
}

/** Every string a route declares: in its body (nested too), path, query and headers. */
export function stringSites(document: OpenApiDocument, route: Route): StringSite[] {
  const sites: StringSite[] = [];
  const body = bodySchema(route);
  if (body) collectStrings(document, body, { field: 'body', steps: [] }, sites);
  for (const parameter of route.operation.parameters ?? []) {
    const part = PART_OF[parameter.in];
    const schema = parameterSchema(document, parameter);
    if (!part || !schema) continue;
    const strings: StringSite[] = [];
    collectStrings(document, schema, { field: `${part}/${parameter.name}`, steps: [] }, strings);
    for (const site of strings) sites.push({ ...site, part, steps: [{ property: parameter.name }, ...site.steps] });
  }
  // One site per field: the branches of a union of literals all name the same field.
  const seen = new Set<string>();
  return sites.filter((site) => !seen.has(site.field) && seen.add(site.field));
}

/** A field of any type: where it is, how to reach it, its schema, and whether it must be there. */
export interface FieldSite {
  part: Part;
  field: string;
  steps: Step[];
  schema: Schema;
  required: boolean;
}

function collectFields(
  document: OpenApiDocument,
  schema: Schema,
  at: { part: Part; field: string; steps: Step[]; required: boolean },
  into: FieldSite[],
  self = true,
) {
  const resolved = resolve(document, schema);
  if (self && at.steps.length > 0) into.push({ ...at, schema: resolved });
  // The fields inside an object (or array) branch of a union are reached through that branch.
  (resolved.anyOf ?? resolved.oneOf)?.forEach((branch, index) => {
    const inner = resolve(document, branch);
    if (inner.properties || inner.items) {
      collectFields(document, inner, { ...at, steps: [...at.steps, { branch: index }] }, into, false);
    }
  });
  for (const [name, property] of Object.entries(resolved.properties ?? {})) {
    const required = resolved.required?.includes(name) ?? false;
    const steps = [...at.steps, { property: name }];
    collectFields(document, property, { ...at, field: `${at.field}/${name}`, steps, required }, into);
  }
  if (resolved.items) {
    const steps = [...at.steps, { item: true as const }];
    collectFields(document, resolved.items, { ...at, field: `${at.field}/0`, steps, required: false }, into);
  }
}

/** Every field a route's JSON body declares, nested ones too, of every type. */
export function bodyFieldSites(document: OpenApiDocument, route: Route): FieldSite[] {
  const body = bodySchema(route);
  const sites: FieldSite[] = [];
  if (body) collectFields(document, body, { part: 'body', field: 'body', steps: [], required: true }, sites);
  return sites;
}

/** A route's parameters of one part (path, query or headers), with their schemas. */
export function parametersOf(
  document: OpenApiDocument,
  route: Route,
  part: Part,
): Array<{ name: string; required: boolean; schema: Schema }> {
  return (route.operation.parameters ?? []).flatMap((parameter) => {
    const schema = parameterSchema(document, parameter);
    if (PART_OF[parameter.in] !== part || !schema) return [];
    return [{ name: parameter.name, required: parameter.required === true, schema }];
  });
}

/** Supplies values the schema alone cannot: real ids by property name, and the like. */
export type IdFor = (name: string) => string;

const SAMPLE_DATE = '2026-11-16';
const SAMPLE_TIMESTAMP = '2026-11-16T12:00:00Z';

function sampleString(schema: Schema, name: string, idFor: IdFor): string {
  if (schema.enum?.length) return String(schema.enum[0]);
  if (typeof schema.const === 'string') return schema.const;
  if (schema.format === 'uuid') return idFor(name);
  if (schema.format === 'date') return SAMPLE_DATE;
  if (schema.format === 'date-time') return SAMPLE_TIMESTAMP;
  if (schema.examples?.length) return String(schema.examples[0]);
  if (schema.pattern) throw new Error(`give the pattern of ${name} an example: ${schema.pattern}`);
  return 'Teste'.padEnd(schema.minLength ?? 0, 'x');
}

/**
 * A value the schema accepts, following `steps` where they lead (a branch of an anyOf, an
 * optional property) and putting `leaf` at their end. Optional properties off the path
 * are left out.
 */
export function sample(
  document: OpenApiDocument,
  schema: Schema,
  options: { name: string; idFor: IdFor; steps?: Step[]; leaf?: unknown },
): unknown {
  const resolved = resolve(document, schema);
  const [step, ...rest] = options.steps ?? [];
  const next = { ...options, steps: rest };
  if (step === undefined && 'leaf' in options && options.steps !== undefined) return options.leaf;
  const branches = resolved.anyOf ?? resolved.oneOf;
  if (branches) {
    const index =
      step && 'branch' in step ? step.branch : branches.findIndex((branch) => !isType(resolve(document, branch), 'null'));
    return sample(document, branches[index] as Schema, step && 'branch' in step ? next : options);
  }
  if (resolved.properties) {
    const value: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(resolved.properties)) {
      const onPath = step && 'property' in step && step.property === name;
      if (onPath) value[name] = sample(document, property, { ...next, name });
      else if (resolved.required?.includes(name)) value[name] = sample(document, property, { name, idFor: options.idFor });
    }
    return value;
  }
  if (isType(resolved, 'array')) {
    const count = Math.max(resolved.minItems ?? 0, step ? 1 : 0);
    return Array.from({ length: count }, (_, index) =>
      sample(document, resolved.items ?? {}, index === 0 && step ? next : { name: options.name, idFor: options.idFor }),
    );
  }
  if (isType(resolved, 'string')) return sampleString(resolved, options.name, options.idFor);
  if (isType(resolved, 'integer') || isType(resolved, 'number')) return resolved.minimum ?? 1;
  if (isType(resolved, 'boolean')) return false;
  if (isType(resolved, 'null')) return null;
  return resolved.default ?? null;
}

/**
 * Percent-encodes a value for a URL. encodeURIComponent throws on an unpaired surrogate;
 * here it becomes the three bytes a careless encoder would send (WTF-8, %ED%A0%80 for
 * U+D800), which is what a hostile client can put in a URL.
 */
export function encodeUrlValue(value: string): string {
  let encoded = '';
  for (const character of value) {
    const code = character.charCodeAt(0);
    if (character.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
      encoded += bytes.map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      encoded += encodeURIComponent(character);
    }
  }
  return encoded;
}

export interface SampleRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** The values of a part's required parameters (path, query or headers), as a valid request carries them. */
export function requiredParameters(document: OpenApiDocument, route: Route, part: Part, idFor: IdFor) {
  const values: Record<string, unknown> = {};
  for (const parameter of route.operation.parameters ?? []) {
    const schema = parameterSchema(document, parameter);
    if (PART_OF[parameter.in] !== part || !schema || !parameter.required) continue;
    values[parameter.name] = sample(document, schema, { name: parameter.name, idFor });
  }
  return values;
}

/**
 * A request the route accepts, with `value` placed at `site` when given. Path and query
 * values are percent-encoded as a client would send them.
 */
export function sampleRequest(
  document: OpenApiDocument,
  route: Route,
  idFor: (name: string, route: Route) => string,
  placed?: { site: StringSite; value: string },
): SampleRequest {
  const ids: IdFor = (name) => idFor(name, route);
  const site = placed?.site;
  const valueAt = (part: Part) => {
    const values = requiredParameters(document, route, part, ids);
    if (site?.part === part && placed) {
      const name = (site.steps[0] as { property: string }).property;
      values[name] = placed.value;
    }
    return values;
  };
  const params = valueAt('params');
  const query = valueAt('querystring');
  const headers = Object.fromEntries(Object.entries(valueAt('headers')).map(([name, value]) => [name, String(value)]));
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeUrlValue(String(params[name])));
  const search = Object.entries(query)
    .map(([name, value]) => `${encodeUrlValue(name)}=${encodeUrlValue(String(value))}`)
    .join('&');
  const schema = bodySchema(route);
  const body =
    schema === undefined
      ? undefined
      : site?.part === 'body' && placed
        ? sample(document, schema, { name: 'body', idFor: ids, steps: site.steps, leaf: placed.value })
        : sample(document, schema, { name: 'body', idFor: ids });
  return { method: route.method, url: search ? `${path}?${search}` : path, headers, body };
}
