import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRECOMPRESS_MIN_BYTES, precompressDirectory, shouldPrecompress } from './precompress.js';

describe('shouldPrecompress', () => {
  it.each([
    ['assets/index-abc.js', 1000, true],
    ['index.html', PRECOMPRESS_MIN_BYTES, true],
    ['assets/mantine-abc.CSS', 5000, true],
    ['index.html', PRECOMPRESS_MIN_BYTES - 1, false],
    ['assets/index-abc.js.map', 100_000, false],
    ['assets/index-abc.js.br', 100_000, false],
    ['assets/index-abc.js.gz', 100_000, false],
    ['favicon.png', 100_000, false],
    ['fonts/inter.woff2', 100_000, false],
  ])('%s of %i bytes: %s', (file, bytes, expected) => {
    expect(shouldPrecompress(file, bytes)).toBe(expected);
  });
});

describe('precompressDirectory', () => {
  let dir: string;
  const script = `${Array.from({ length: 300 }, (_, index) => `export const item${index} = 'ação ${index}';`).join('\n')}\n`;
  // Whatever copy is written must be smaller than the file it stands for.
  const noise = Array.from({ length: 2048 }, (_, index) => String.fromCharCode(33 + ((index * 7919) % 94))).join('');

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vdp-precompress-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'assets/app.js'), script);
    writeFileSync(path.join(dir, 'assets/app.js.map'), script);
    writeFileSync(path.join(dir, 'assets/tiny.js'), 'export {};');
    writeFileSync(path.join(dir, 'noise.txt'), noise);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes brotli and gzip copies that decode to the same bytes', async () => {
    const written = await precompressDirectory(dir);
    const original = readFileSync(path.join(dir, 'assets/app.js'));
    expect(brotliDecompressSync(readFileSync(path.join(dir, 'assets/app.js.br'))).equals(original)).toBe(true);
    expect(gunzipSync(readFileSync(path.join(dir, 'assets/app.js.gz'))).equals(original)).toBe(true);
    const app = written.find((file) => file.file === 'assets/app.js');
    expect(app?.bytes).toBe(original.length);
    expect(app?.br_bytes).toBeLessThan(app?.gzip_bytes ?? 0);
    expect(app?.gzip_bytes).toBeLessThan(original.length);
  });

  it('leaves source maps, small files and copies that would not be smaller alone', async () => {
    const written = await precompressDirectory(dir);
    expect(existsSync(path.join(dir, 'assets/app.js.map.br'))).toBe(false);
    expect(existsSync(path.join(dir, 'assets/tiny.js.br'))).toBe(false);
    for (const copy of ['noise.txt.br', 'noise.txt.gz']) {
      const file = path.join(dir, copy);
      if (existsSync(file)) expect(readFileSync(file).length).toBeLessThan(noise.length);
    }
    expect(written.map((file) => file.file)).toEqual(['assets/app.js', 'noise.txt']);
  });

  it('gives the same files when run again, without compressing its own copies', async () => {
    const first = await precompressDirectory(dir);
    const brotli = readFileSync(path.join(dir, 'assets/app.js.br'));
    const second = await precompressDirectory(dir);
    expect(second).toEqual(first);
    expect(readFileSync(path.join(dir, 'assets/app.js.br')).equals(brotli)).toBe(true);
    expect(existsSync(path.join(dir, 'assets/app.js.br.br'))).toBe(false);
  });
});
