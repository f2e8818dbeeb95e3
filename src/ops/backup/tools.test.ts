import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupError } from './errors.js';
import { findTool, parseToolVersion, requireTool, serverMajorOf } from './tools.js';

describe('parseToolVersion and serverMajorOf', () => {
  it.each([
    ['pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n', 15, '15.20'],
    ['pg_restore (PostgreSQL) 17.2\n', 17, '17.2'],
    ['pg_dump (PostgreSQL) 18beta1\n', 18, '18beta1'],
  ])('reads %j', (output, major, text) => {
    expect(parseToolVersion(output)).toEqual({ major, text });
  });

  it('reads nothing from other output', () => {
    expect(parseToolVersion('pg_dump: command not found')).toBeUndefined();
  });

  it('takes the major from server_version_num', () => {
    expect(serverMajorOf(150018)).toBe(15);
    expect(serverMajorOf(170002)).toBe(17);
  });
});

/**
 * Fake tools: shell scripts that print a version, laid out as Debian lays the clients out
 * (<root>/<major>/bin) and in a PATH directory.
 */
describe('findTool and requireTool', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vdp-tools-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function fakeTool(directory: string, name: string, version: string): Promise<string> {
    await mkdir(directory, { recursive: true });
    const file = path.join(directory, name);
    await writeFile(file, `#!/bin/sh\necho "${name} (PostgreSQL) ${version}"\n`);
    await chmod(file, 0o755);
    return file;
  }

  it('picks the newest copy, whether in a versioned directory or on PATH', async () => {
    await fakeTool(path.join(root, 'versions', '14', 'bin'), 'pg_dump', '14.11');
    const newest = await fakeTool(path.join(root, 'versions', '16', 'bin'), 'pg_dump', '16.4');
    await fakeTool(path.join(root, 'path'), 'pg_dump', '15.20');
    const tool = await findTool('pg_dump', { versionedRoot: path.join(root, 'versions'), searchPath: path.join(root, 'path') });
    expect(tool).toEqual({ name: 'pg_dump', path: newest, version: { major: 16, text: '16.4' } });
  });

  it('refuses a pg_dump older than the server, naming the package to install', async () => {
    await fakeTool(path.join(root, 'path'), 'pg_dump', '14.11');
    const search = { versionedRoot: path.join(root, 'none'), searchPath: path.join(root, 'path') };
    const refusal = await requireTool('pg_dump', 16, search).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BackupError);
    expect(refusal).toMatchObject({ code: 'tool_too_old' });
    expect((refusal as Error).message).toContain('pg_dump 14.11');
    expect((refusal as Error).message).toContain('apt-get install postgresql-client-16');
    await expect(requireTool('pg_dump', 14, search)).resolves.toMatchObject({ version: { major: 14 } });
  });

  it('says which package to install when there is no pg_dump at all', async () => {
    const search = { versionedRoot: path.join(root, 'none'), searchPath: path.join(root, 'empty') };
    await expect(requireTool('pg_dump', 15, search)).rejects.toMatchObject({
      code: 'tool_missing',
      message: expect.stringContaining('apt-get install postgresql-client-15'),
    });
  });

  it('skips a file that is not executable or does not answer with a version', async () => {
    const directory = path.join(root, 'path');
    await mkdir(directory, { recursive: true });
    await writeFile(path.join(directory, 'pg_restore'), 'not a program');
    const broken = path.join(root, 'broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'pg_restore'), '#!/bin/sh\necho hello\n');
    await chmod(path.join(broken, 'pg_restore'), 0o755);
    const search = { versionedRoot: path.join(root, 'none'), searchPath: [directory, broken].join(path.delimiter) };
    expect(await findTool('pg_restore', search)).toBeUndefined();
  });
});
