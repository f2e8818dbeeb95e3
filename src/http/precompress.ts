/**
 * Brotli and gzip copies of the built web app's text files, written once at build time
 * beside each file (`app.js` → `app.js.br`, `app.js.gz`) at the highest quality, so the
 * server never compresses on a request: @fastify/static (`preCompressed`) picks the copy
 * the browser's Accept-Encoding asks for (src/http/web-app.ts). Node's zlib does both.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** The encodings written, by file suffix; @fastify/static looks for exactly these names. */
export const PRECOMPRESSED_SUFFIXES = { br: '.br', gzip: '.gz' } as const;

/**
 * Text the browser fetches. Source maps are left out: only developer tools ask for them,
 * and brotli at quality 11 on them would triple the build's compression time.
 */
export const PRECOMPRESSED_EXTENSIONS: ReadonlySet<string> = new Set([
  '.js',
  '.mjs',
  '.css',
  '.html',
  '.svg',
  '.json',
  '.txt',
  '.webmanifest',
  '.xml',
]);

/** Below this a copy saves less than the bytes its Content-Encoding header costs. */
export const PRECOMPRESS_MIN_BYTES = 256;

export interface PrecompressedFile {
  /** Relative to the directory, with forward slashes. */
  file: string;
  bytes: number;
  /** Null where the copy would not be smaller, and so was not written. */
  br_bytes: number | null;
  gzip_bytes: number | null;
}

export function shouldPrecompress(file: string, bytes: number): boolean {
  return bytes >= PRECOMPRESS_MIN_BYTES && PRECOMPRESSED_EXTENSIONS.has(path.extname(file).toLowerCase());
}

export function compressBrotli(content: Buffer): Promise<Buffer> {
  return brotli(content, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
    },
  });
}

export function compressGzip(content: Buffer): Promise<Buffer> {
  return gzipAsync(content, { level: constants.Z_BEST_COMPRESSION });
}

/** Writes `compressed` beside the file only when it is smaller; returns its size, or null. */
async function writeIfSmaller(target: string, original: Buffer, compressed: Buffer): Promise<number | null> {
  if (compressed.length >= original.length) return null;
  await writeFile(target, compressed);
  return compressed.length;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * Compresses every text file under `dir` (not the .br/.gz copies themselves) and returns
 * what it wrote, in path order. Running it twice gives the same files.
 */
export async function precompressDirectory(dir: string): Promise<PrecompressedFile[]> {
  const written: PrecompressedFile[] = [];
  const files = (await filesUnder(dir)).sort();
  for (const absolute of files) {
    const content = await readFile(absolute);
    if (!shouldPrecompress(absolute, content.length)) continue;
    const [br, gz] = await Promise.all([compressBrotli(content), compressGzip(content)]);
    written.push({
      file: path.relative(dir, absolute).split(path.sep).join('/'),
      bytes: content.length,
      br_bytes: await writeIfSmaller(absolute + PRECOMPRESSED_SUFFIXES.br, content, br),
      gzip_bytes: await writeIfSmaller(absolute + PRECOMPRESSED_SUFFIXES.gzip, content, gz),
    });
  }
  return written;
}
