import { randomUUID } from 'node:crypto';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../src/app.js';
import { JSON_VALUES_MAX } from '../../src/http/json-body.js';
import { registerUser, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import {
  type OpenApiDocument,
  type Route,
  readOpenApi,
  routes,
  type SampleRequest,
  type StringSite,
  sampleRequest,
  stringSites,
} from '../helpers/openapi.js';
import { expectProblem } from '../helpers/problem.js';

/**
 * Validation must cost time linear in the request: no schema pattern may backtrack on
 * hostile text, no body shape may make parsing crawl, and no request may hold the event
 * loop (which every other request, /health included, waits on).
 *
 * A stall is measured as event-loop delay with perf_hooks.monitorEventLoopDelay, never
 * as the wall time of a request. On a shared machine the loop can also wait for a core
 * while doing nothing, so a stall only counts as far as the process spent CPU time in
 * it (the smaller of the two), and a request must stall on each of several tries: a
 * backtracking pattern does both every time, a busy neighbour does neither.
 */

/** The most the event loop may be blocked while any one request is handled (issue 9). */
const EVENT_LOOP_BLOCK_MAX_MS = 100;
/** The delay histogram samples at this interval; a sample includes it, so it is taken off. */
const HISTOGRAM_RESOLUTION_MS = 10;
/** Tries a request gets before a block on each of them fails it. */
const BLOCK_TRIES_MAX = 3;
/** The issue's example: "a@", this many dots and "@" in a login e-mail held the process over 4 s. */
const ISSUE_DOTS = 32_000;
/** Attacks as long as the issue's are run on every pattern directly and through every route. */
const LONG_ATTACK_LENGTH = 32_000;
/** Node refuses request lines and headers over 16 KiB, so URL attacks stay below that. */
const URL_ATTACK_LENGTH_MAX = 8_000;
/** Room left in a maximum-size body for the JSON around the attack string. */
const BODY_ROOM_BYTES = 4_096;
/** A refused body answers with at most this much, however large the body was. */
const ERROR_ANSWER_BYTES_MAX = 2_048;

let t: TestApp;
let document: OpenApiDocument;
let histogram: IntervalHistogram;
/**
 * Every request is signed in: a route that needs a session refuses a request without one
 * before reading its body, and then its patterns and its parser would not be measured.
 */
let signedInHeaders: Record<string, string>;

beforeAll(async () => {
  t = await startTestApp();
  signedInHeaders = { authorization: `Bearer ${(await registerUser(t.app)).token}` };
  document = await readOpenApi(t.app);
  histogram = monitorEventLoopDelay({ resolution: HISTOGRAM_RESOLUTION_MS });
  histogram.enable();
  await clearDelay();
});
afterAll(async () => {
  histogram?.disable();
  // This file posts money (or tries to): whatever it left must hold the ledger's invariants.
  await expectLedgerInvariants(t.pool);
  await t?.close();
});

/**
 * The longest event-loop delay since the last clear, in ms. libuv reads its clock once
 * per loop turn, so right after a stall a 1 ms timer can fall due before the overdue
 * sampling timer; the second 1 ms timer is set from the fresh clock and so fires after
 * the sampler has recorded the stall.
 */
async function delayMs(): Promise<number> {
  await sleep(1);
  await sleep(1);
  return Math.max(0, histogram.max / 1e6 - HISTOGRAM_RESOLUTION_MS);
}

/** Forgets past delays. After a reset the sampler's first tick records nothing, so wait for one that does. */
async function clearDelay(): Promise<void> {
  histogram.reset();
  while (histogram.count === 0) await sleep(HISTOGRAM_RESOLUTION_MS);
}

/**
 * How long `work` blocked the event loop, in ms: the loop's delay meanwhile, but no more
 * than the CPU time the process spent. The maximum delay only grows, and it is cleared
 * whenever it passes the bound, so a value over the bound belongs to this work.
 */
async function blockedMs<T>(work: () => Promise<T> | T): Promise<{ result: T; blockedMs: number }> {
  const cpuBefore = process.cpuUsage();
  const result = await work();
  const delay = await delayMs();
  const cpu = process.cpuUsage(cpuBefore);
  if (delay >= EVENT_LOOP_BLOCK_MAX_MS) await clearDelay();
  return { result, blockedMs: Math.min(delay, (cpu.user + cpu.system) / 1000) };
}

/** Runs `work` until it does not block the loop, failing when it blocks on every try. */
async function expectNoBlock<T>(label: string, work: () => Promise<T> | T): Promise<T> {
  const blocks: number[] = [];
  for (let tries = 0; tries < BLOCK_TRIES_MAX; tries += 1) {
    const { result, blockedMs: blocked } = await blockedMs(work);
    if (blocked < EVENT_LOOP_BLOCK_MAX_MS) return result;
    blocks.push(Math.round(blocked));
  }
  throw new Error(`the event loop was blocked by ${label} on every try: ${blocks.join(', ')} ms`);
}

/** Sends a request and fails on a block or a 5xx, naming what was sent. */
async function expectCheap(label: string, request: SampleRequest) {
  // The JSON is written before measuring: only the server's work is under test.
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers = {
    ...signedInHeaders,
    ...request.headers,
    ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
  };
  const response = await expectNoBlock(label, () =>
    t.app.inject({ method: request.method, url: request.url, headers, ...(payload === undefined ? {} : { payload }) }),
  );
  expect(response.statusCode, `${label}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  return response;
}

interface Shape {
  prefix: string;
  pump: string;
  suffix: string;
}

/** The characters a pattern names outside of escapes and syntax: its separators and literals. */
function literalsOf(pattern: string): string[] {
  const syntax = new Set('^$()[]{}|?*+\\'.split(''));
  const literals = new Set<string>();
  for (let index = 0; index < pattern.length; index += 1) {
    const character = pattern[index] as string;
    if (character === '\\') {
      const escaped = pattern[index + 1] ?? '';
      if (!/[A-Za-z0-9]/.test(escaped)) literals.add(escaped);
      index += 1;
    } else if (!syntax.has(character) && !/[A-Za-z0-9]/.test(character)) {
      literals.add(character);
    }
  }
  return [...literals];
}

/**
 * Inputs that make backtracking patterns explode: a prefix that reaches a quantified part
 * ("a@" reaches the e-mail's domain), a long run of one character that several
 * quantifiers could each take, and a last character that makes the match fail, so the
 * engine tries every way to share the run out.
 */
function attackShapes(pattern: string): Shape[] {
  const palette = [...new Set([...literalsOf(pattern), 'a', '0', ' ', '.', '-', '@'])];
  const prefixes = ['', ...palette.map((character) => `a${character}`)];
  return prefixes.flatMap((prefix) => palette.flatMap((pump) => ['!', '@'].map((suffix) => ({ prefix, pump, suffix }))));
}

function build(shape: Shape, length: number): string {
  const pumpLength = Math.max(0, length - shape.prefix.length - shape.suffix.length);
  return `${shape.prefix}${shape.pump.repeat(pumpLength)}${shape.suffix}`;
}

interface PatternSite {
  route: Route;
  site: StringSite;
  pattern: string;
}

function patternSites(): PatternSite[] {
  return routes(document).flatMap((route) =>
    stringSites(document, route)
      .filter((site) => site.schema.pattern !== undefined)
      .map((site) => ({ route, site, pattern: site.schema.pattern as string })),
  );
}

const anyId = randomUUID();
const idFor = () => anyId;

/**
 * What to send to a site: every shape at the field's maxLength (where the pattern really
 * runs) and at the issue's length, and at the most a body or URL holds the shapes that
 * start plainly or at the pattern's first separator (a megabyte each, so fewer of them).
 */
function attacksFor(site: StringSite, pattern: string): Array<{ shape: Shape; length: number }> {
  const shapes = attackShapes(pattern);
  const fieldMax = site.schema.maxLength ?? LONG_ATTACK_LENGTH;
  const longest = site.part === 'body' ? BODY_LIMIT_BYTES - BODY_ROOM_BYTES : URL_ATTACK_LENGTH_MAX;
  const firstSeparator = `a${literalsOf(pattern)[0] ?? ''}`;
  return [
    ...shapes.map((shape) => ({ shape, length: fieldMax })),
    ...shapes.map((shape) => ({ shape, length: Math.min(LONG_ATTACK_LENGTH, longest) })),
    ...shapes.filter(({ prefix }) => prefix === '' || prefix === firstSeparator).map((shape) => ({ shape, length: longest })),
  ];
}

describe('validation costs time linear in the request', () => {
  it('the document declares patterns, each bounded by a maxLength', () => {
    const sites = patternSites();
    expect(sites.map(({ route, site }) => `${route.method} ${route.path} ${site.field}`)).toContain(
      'POST /api/auth/login body/email',
    );
    for (const { route, site } of sites) {
      expect(site.schema.maxLength, `${route.method} ${route.path} ${site.field}`).toBeGreaterThan(0);
    }
  });

  it('a login e-mail of "a@", 32,000 dots and "@" is refused without stalling the event loop', async () => {
    const email = `a@${'.'.repeat(ISSUE_DOTS)}@`;
    const response = await expectCheap('the issue login body', {
      method: 'POST',
      url: '/api/auth/login',
      headers: {},
      body: { email, password: 'senha-forte-123' },
    });
    expectProblem(response, 400, 'validation_failed');
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'body/email' })]);
  });

  it('every schema pattern runs in linear time on adversarial text as long as the issue example', async () => {
    for (const { route, site, pattern } of patternSites()) {
      // Ajv compiles patterns with the u flag; so does this.
      const regexp = new RegExp(pattern, 'u');
      for (const shape of attackShapes(pattern)) {
        const text = build(shape, LONG_ATTACK_LENGTH);
        await expectNoBlock(`${pattern} (${route.method} ${route.path} ${site.field}) on ${JSON.stringify(shape)}`, () =>
          regexp.test(text),
        );
      }
    }
  });

  it('adversarial text up to the maximum body size, sent to every pattern of every route, never stalls', async () => {
    const sites = patternSites();
    for (const { route, site, pattern } of sites) {
      for (const { shape, length } of attacksFor(site, pattern)) {
        const request = sampleRequest(document, route, idFor, { site, value: build(shape, length) });
        const label = `${route.method} ${route.path} ${site.field} = ${JSON.stringify(shape)} × ${length}`;
        const response = await expectCheap(label, request);
        expect(response.body.length, label).toBeLessThan(ERROR_ANSWER_BYTES_MAX);
      }
    }
  });

  it('a 1 MB body of unknown keys, nested brackets or empty objects answers a small 400 before it is parsed', async () => {
    const room = BODY_LIMIT_BYTES - BODY_ROOM_BYTES;
    const keys: string[] = [];
    for (let size = 2; size < room; size += keys.at(-1)?.length ?? 0) keys.push(`"campo_${keys.length}":0,`);
    const bodies = {
      'unknown keys': `{${keys.join('').slice(0, -1)}}`,
      'nested brackets': `${'['.repeat(room / 2)}${']'.repeat(room / 2)}`,
      'empty objects': `[${'{},'.repeat(room / 3)}{}]`,
    };
    for (const [shape, payload] of Object.entries(bodies)) {
      for (const url of ['/api/auth/login', '/api/auth/register', '/api/transactions']) {
        const label = `${shape} to ${url}`;
        const response = await expectNoBlock(label, () =>
          t.app.inject({ method: 'POST', url, headers: { ...signedInHeaders, 'content-type': 'application/json' }, payload }),
        );
        expect(response.statusCode, label).toBe(400);
        expect(response.json().code, label).toBe('body_too_complex');
        expect(response.body.length, label).toBeLessThan(ERROR_ANSWER_BYTES_MAX);
      }
    }
  });

  it('a body of thousands of unknown keys, within the bounds, answers the first error only', async () => {
    const body = Object.fromEntries(Array.from({ length: JSON_VALUES_MAX - 10 }, (_, index) => [`campo_${index}`, 0]));
    for (const url of ['/api/auth/login', '/api/auth/register', '/api/transactions']) {
      const response = await expectCheap(`unknown keys to ${url}`, { method: 'POST', url, headers: {}, body });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('validation_failed');
      expect(response.json().errors).toHaveLength(1);
      expect(response.body.length).toBeLessThan(ERROR_ANSWER_BYTES_MAX);
    }
  });
});
