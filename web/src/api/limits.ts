/**
 * The server's field limits, read from the OpenAPI document generated from its route
 * schemas (npm run gen:api), so the forms cannot drift from what the server accepts.
 * A limit that is not in the document throws while this module loads: a renamed field
 * fails the unit tests and the first screen, instead of silently losing its bound.
 */
import document from './openapi.json';
import type { paths } from './schema';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Keyword = 'maxLength' | 'minLength' | 'maximum' | 'minimum' | 'maxItems';
type JsonBody<Operation> = Operation extends { requestBody: { content: { 'application/json': infer Body } } } ? Body : never;
type QueryOf<Operation> = Operation extends { parameters: { query?: infer Query } } ? NonNullable<Query> : never;
type OperationOf<Path extends keyof paths, M extends Method> = paths[Path][M];

interface SchemaNode {
  [keyword: string]: unknown;
  anyOf?: SchemaNode[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
}

interface OperationNode {
  parameters?: { in: string; name: string; schema?: SchemaNode }[];
  requestBody?: { content?: { 'application/json'?: { schema?: SchemaNode } } };
}

const operations = document.paths as unknown as Record<string, Partial<Record<Method, OperationNode>>>;

/** The keyword's number on the schema itself or, for a nullable field, on its non-null branch. */
function keywordOf(schema: SchemaNode | undefined, keyword: Keyword): number | undefined {
  if (!schema) return undefined;
  const own = schema[keyword];
  if (typeof own === 'number') return own;
  for (const branch of schema.anyOf ?? []) {
    const found = keywordOf(branch, keyword);
    if (found !== undefined) return found;
  }
  return undefined;
}

function required(value: number | undefined, where: string): number {
  if (value === undefined) throw new Error(`OpenAPI document has no ${where}; regenerate it or fix the field name`);
  return value;
}

/** The first schema named `name` among the properties of `schema`'s variants (a schedule's "days"). */
function variantProperty(schema: SchemaNode | undefined, name: string): SchemaNode | undefined {
  for (const branch of schema?.anyOf ?? []) {
    const property = branch.properties?.[name];
    if (property) return property;
  }
  return undefined;
}

/** The schema of one property of an operation's JSON body. */
function bodyField(method: Method, path: string, field: string): SchemaNode | undefined {
  return operations[path]?.[method]?.requestBody?.content?.['application/json']?.schema?.properties?.[field];
}

/**
 * A limit of a JSON body field, e.g. bodyLimit('post', '/api/transactions', 'description',
 * 'maxLength'). `variantField` names a property inside one of the field's variants:
 * bodyLimit('post', '/api/recurring', 'schedule', 'maximum', 'days').
 */
export function bodyLimit<Path extends keyof paths, M extends Method>(
  method: M,
  path: Path,
  field: keyof JsonBody<OperationOf<Path, M>> & string,
  keyword: Keyword,
  variantField?: string,
): number {
  const fieldSchema = bodyField(method, path, field);
  const schema = variantField === undefined ? fieldSchema : variantProperty(fieldSchema, variantField);
  const name = variantField === undefined ? field : `${field}.${variantField}`;
  return required(keywordOf(schema, keyword), `${keyword} for ${method.toUpperCase()} ${path} body.${name}`);
}

/**
 * A limit of each item of a JSON body array, e.g. bodyItemLimit('put',
 * '/api/budgets/{month}/{category_id}', 'alert_thresholds', 'minimum').
 */
export function bodyItemLimit<Path extends keyof paths, M extends Method>(
  method: M,
  path: Path,
  field: keyof JsonBody<OperationOf<Path, M>> & string,
  keyword: Keyword,
): number {
  const items = bodyField(method, path, field)?.items;
  return required(keywordOf(items, keyword), `${keyword} for ${method.toUpperCase()} ${path} body.${field}[]`);
}

/** A limit of a query parameter, e.g. queryLimit('get', '/api/transactions', 'q', 'maxLength'). */
export function queryLimit<Path extends keyof paths, M extends Method>(
  method: M,
  path: Path,
  name: keyof QueryOf<OperationOf<Path, M>> & string,
  keyword: Keyword,
): number {
  const parameter = operations[path]?.[method]?.parameters?.find((item) => item.in === 'query' && item.name === name);
  return required(keywordOf(parameter?.schema, keyword), `${keyword} for ${method.toUpperCase()} ${path} ?${name}`);
}
