import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runningEmbeddedUrl } from './embedded.js';

let dataDir: string | undefined;
afterEach(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function dataDirWith(postmasterPid: number, port: number): Promise<string> {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vdp-embedded-'));
  await mkdir(path.join(dataDir, 'pg'));
  // postmaster.pid: pid, data directory, start time, port, …
  await writeFile(path.join(dataDir, 'pg', 'postmaster.pid'), `${postmasterPid}\n${dataDir}/pg\n1764547200\n${port}\n\n`);
  await writeFile(path.join(dataDir, 'postgres-password'), 'segredo\n');
  return dataDir;
}

describe('runningEmbeddedUrl', () => {
  it("points at the port of a live server's postmaster.pid", async () => {
    const url = await runningEmbeddedUrl(await dataDirWith(process.pid, 54321));
    expect(url).toMatch(/^postgresql:\/\/[^:]+:segredo@127\.0\.0\.1:54321\//);
  });

  it('ignores a postmaster.pid left behind by a server that is gone', async () => {
    // Past the kernel's pid range: no process has it.
    expect(await runningEmbeddedUrl(await dataDirWith(2 ** 22 + 7, 54321))).toBeUndefined();
  });
});
