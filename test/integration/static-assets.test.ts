/**
 * The built web app as the server sends it: the brotli or gzip copy the build wrote, chosen
 * by Accept-Encoding, with the headers caches and browsers need, and the same bytes once
 * decoded. A small web app is built into a temporary directory with the build's own
 * precompression step, so the test does not depend on `npm run build`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDirectory } from '../../src/http/precompress.js';
import { CACHE_CONTROL_HASHED, CACHE_CONTROL_REVALIDATE } from '../../src/http/web-app.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const SCRIPT = '/assets/index-Ab12Cd34.js';
const STYLE = '/assets/index-Ef56Gh78.css';
const TINY = '/assets/tiny-Ij90Kl12.js';

function writeWebApp(dir: string): void {
  mkdirSync(path.join(dir, 'assets'));
  const lines = Array.from({ length: 400 }, (_, index) => `export const valor${index} = 'Olá, ${index} reais — ação';`);
  writeFileSync(path.join(dir, SCRIPT), `${lines.join('\n')}\n`);
  writeFileSync(path.join(dir, STYLE), `${Array.from({ length: 200 }, (_, index) => `.c${index}{color:red}`).join('\n')}\n`);
  writeFileSync(path.join(dir, TINY), 'export {};\n');
  writeFileSync(
    path.join(dir, 'index.html'),
    `<!doctype html><html lang="pt-BR"><head><meta charset="UTF-8"><title>Vai de Pix</title>
<script type="module" src="${SCRIPT}"></script><link rel="stylesheet" href="${STYLE}"></head>
<body><div id="root"></div>${'<!-- enough to be worth compressing -->'.repeat(10)}</body></html>\n`,
  );
}

let web: TestApp;
let dir: string;
const original = (file: string) => readFileSync(path.join(dir, file === '/' ? 'index.html' : file));

function get(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  return web.app.inject({ method, url, headers });
}

function decode(encoding: unknown, body: Buffer): Buffer {
  if (encoding === 'br') return brotliDecompressSync(body);
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === undefined) return body;
  throw new Error(`unexpected content-encoding ${String(encoding)}`);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vdp-static-'));
  writeWebApp(dir);
  await precompressDirectory(dir);
  web = await startTestApp({ webDir: dir });
});

afterAll(async () => {
  await web?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('content negotiation', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['gzip, deflate, br, zstd', 'br'],
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0.5, gzip;q=0.9', 'gzip'],
    ['gzip;q=0.5, br;q=0.9', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['identity', undefined],
    ['deflate', undefined],
    ['*', 'gzip'],
    ['br;q=0, *', 'gzip'],
    [undefined, undefined],
  ];
  it.each(cases)('Accept-Encoding %j gets %j, the same bytes once decoded', async (accept, expected) => {
    const response = await get(SCRIPT, accept === undefined ? {} : { 'accept-encoding': accept });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBe(expected);
    expect(response.headers['content-type']).toMatch(/^(text|application)\/javascript; charset=utf-8$/);
    expect(response.headers.vary).toMatch(/accept-encoding/i);
    expect(Number(response.headers['content-length'])).toBe(response.rawPayload.length);
    const sent = expected === undefined ? SCRIPT : `${SCRIPT}.${expected === 'br' ? 'br' : 'gz'}`;
    expect(response.rawPayload.length).toBe(statSync(path.join(dir, sent)).size);
    expect(decode(response.headers['content-encoding'], response.rawPayload).equals(original(SCRIPT))).toBe(true);
  });

  it.each([
    'br;q=',
    'br;q=abc, gzip;q=0.1',
    ',,, ;;; ==',
    'gzip;q=1.5, br;q=-1',
    `${'x'.repeat(6000)}, br`,
    'identity;q=0, *;q=0',
    'BR, GZIP',
  ])('answers an odd Accept-Encoding %j with the file or a copy, never an error', async (accept) => {
    const response = await get(SCRIPT, { 'accept-encoding': accept });
    expect(response.statusCode).toBe(200);
    expect(decode(response.headers['content-encoding'], response.rawPayload).equals(original(SCRIPT))).toBe(true);
  });

  it('sends brotli far smaller than the file, and CSS with its own type', async () => {
    const script = await get(SCRIPT, { 'accept-encoding': 'br' });
    expect(script.rawPayload.length).toBeLessThan(original(SCRIPT).length / 4);
    const style = await get(STYLE, { 'accept-encoding': 'br, gzip' });
    expect(style.headers['content-encoding']).toBe('br');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(brotliDecompressSync(style.rawPayload).equals(original(STYLE))).toBe(true);
  });

  it('sends a file too small to compress as it is, still varying on Accept-Encoding', async () => {
    const response = await get(TINY, { 'accept-encoding': 'br, gzip' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers.vary).toMatch(/accept-encoding/i);
    expect(response.rawPayload.equals(original(TINY))).toBe(true);
  });
});

describe('caching', () => {
  it('keeps hashed assets for a year and revalidates index.html and client routes', async () => {
    expect((await get(SCRIPT, { 'accept-encoding': 'br' })).headers['cache-control']).toBe(CACHE_CONTROL_HASHED);
    expect((await get(SCRIPT)).headers['cache-control']).toBe(CACHE_CONTROL_HASHED);
    expect(CACHE_CONTROL_HASHED).toBe('public, max-age=31536000, immutable');
    for (const url of ['/', '/index.html', '/contas', '/contas/123?mes=2026-11']) {
      const response = await get(url, { 'accept-encoding': 'gzip, br' });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['cache-control'], url).toBe(CACHE_CONTROL_REVALIDATE);
      expect(response.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(response.headers['content-encoding'], url).toBe('br');
      expect(response.headers.vary, url).toMatch(/accept-encoding/i);
      expect(brotliDecompressSync(response.rawPayload).equals(original('/')), url).toBe(true);
    }
  });

  it('answers a missing asset with a 404 problem, not index.html', async () => {
    const response = await get('/assets/index-gone0000.js', { 'accept-encoding': 'br' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'not_found' });
  });

  it('answers a matching If-None-Match with 304, per encoding', async () => {
    const br = await get(SCRIPT, { 'accept-encoding': 'br' });
    const plain = await get(SCRIPT);
    expect(br.headers.etag).toBeTruthy();
    expect(br.headers.etag).not.toBe(plain.headers.etag);
    const again = await get(SCRIPT, { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    const other = await get(SCRIPT, { 'accept-encoding': 'gzip', 'if-none-match': String(br.headers.etag) });
    expect(other.statusCode).toBe(200);
    expect(other.headers['content-encoding']).toBe('gzip');
  });
});

describe('HEAD and ranges', () => {
  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await get(SCRIPT, { 'accept-encoding': 'br' }, 'HEAD');
    const full = await get(SCRIPT, { 'accept-encoding': 'br' });
    expect(head.statusCode).toBe(200);
    expect(head.rawPayload.length).toBe(0);
    for (const name of ['content-encoding', 'content-length', 'content-type', 'cache-control', 'vary', 'etag']) {
      expect(head.headers[name], name).toBe(full.headers[name]);
    }
  });

  it('serves a byte range of the representation it selected', async () => {
    const plain = await get(SCRIPT, { range: 'bytes=0-9' });
    expect(plain.statusCode).toBe(206);
    expect(plain.rawPayload.equals(original(SCRIPT).subarray(0, 10))).toBe(true);
    const br = await get(SCRIPT, { range: 'bytes=0-9', 'accept-encoding': 'br' });
    const brFile = readFileSync(path.join(dir, `${SCRIPT}.br`));
    expect(br.statusCode).toBe(206);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-range']).toBe(`bytes 0-9/${brFile.length}`);
    expect(br.rawPayload.equals(brFile.subarray(0, 10))).toBe(true);
    const beyond = await get(SCRIPT, { range: `bytes=${original(SCRIPT).length + 10}-` });
    expect(beyond.statusCode).toBe(416);
  });
});

describe('paths outside the web app', () => {
  const secret = 'segredo-fora-do-web-app';
  beforeAll(() => writeFileSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.txt`), secret));
  afterAll(() => rmSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.txt`), { force: true }));

  it.each([
    `/../${'x'}-secret.txt`,
    '/assets/../../etc/passwd',
    '/assets/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%5c..%5cetc%5cpasswd',
    '/assets//index-Ab12Cd34.js',
    '/assets/%00.js',
  ])('never leaks a file for %s', async (url) => {
    const target = url.replace('x-secret', `${path.basename(dir)}-secret`);
    for (const accept of [undefined, 'br, gzip']) {
      const response = await get(target, accept === undefined ? {} : { 'accept-encoding': accept });
      expect(response.statusCode, target).toBeLessThan(500);
      expect(response.body, target).not.toContain(secret);
      expect(response.body, target).not.toContain('root:');
      if (response.statusCode === 200) expect(response.headers['content-type'], target).toMatch(/^text\/html/);
    }
  });
});
