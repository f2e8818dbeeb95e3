import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../lib/errors.js';

/**
 * JSON.parse is linear, but its constant depends on the shape: a megabyte of nested
 * brackets ("[[[[…") held the event loop 200–400 ms on the test machine, and a
 * megabyte of empty objects or of tiny keys 60–130 ms, before any schema could refuse
 * it. No body this API accepts nests deeper than a few levels or holds more than a few
 * dozen values, so one pass over the text (a few milliseconds per megabyte) refuses
 * outlandish shapes before they are parsed. Bodies up to the size limit stay welcome.
 */

/** Deepest nesting of objects and arrays a body may have; the schemas use at most four. */
export const JSON_DEPTH_MAX = 32;
/** Most values (objects, arrays, members, elements) one body may hold. */
export const JSON_VALUES_MAX = 10_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The index of the quote that closes the string opened just before `start` (or the text's end). */
function closingQuote(text: string, start: number): number {
  for (let at = text.indexOf('"', start); at !== -1; at = text.indexOf('"', at + 1)) {
    // A quote is escaped when an odd number of backslashes precedes it; each run is read once.
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
  }
  return text.length;
}

/**
 * Which bound the JSON text breaks, if any. Values are counted as containers plus
 * separators, which is their number up to one per container; the text is not checked
 * for well-formedness here (the parser does that next).
 */
export function jsonShapeExcess(text: string): 'depth' | 'values' | undefined {
  let depth = 0;
  let values = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index = closingQuote(text, index + 1);
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      values += 1;
      if (depth > JSON_DEPTH_MAX) return 'depth';
      if (values > JSON_VALUES_MAX) return 'values';
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
    } else if (code === COMMA) {
      values += 1;
      if (values > JSON_VALUES_MAX) return 'values';
    }
  }
  return undefined;
}

type ParserDone = (error: Error | null, body?: unknown) => void;

/**
 * Replaces Fastify's JSON body parser with one that first checks the shape, then hands
 * the text to Fastify's own parser (which also refuses __proto__ and constructor keys).
 */
export function guardJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error') as (request: FastifyRequest, body: string, done: ParserDone) => void;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const excess = jsonShapeExcess(body as string);
    if (excess !== undefined) {
      done(
        new DomainError(
          'body_too_complex',
          400,
          `The JSON body nests deeper than ${JSON_DEPTH_MAX} levels or holds more than ${JSON_VALUES_MAX} values.`,
        ),
      );
      return;
    }
    parse(request, body as string, done);
  });
}
