import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { findTool } from '../backup/tools.js';

/** A COPY header of pg_restore's plain output: `COPY public.ledger_entries (id, …) FROM stdin;`. */
const COPY_HEADER = /^COPY (?:"?public"?\.)?"?([a-z0-9_]+)"? \(.*\) FROM stdin;$/;

/**
 * The rows each table holds in a custom-format archive, counted from pg_restore's data output
 * as it streams (one line per row between a COPY header and `\.`), so an archive of any size
 * is read in constant memory. Throws when pg_restore is missing or fails.
 */
export async function archiveRowCounts(file: string): Promise<Map<string, number>> {
  const tool = await findTool('pg_restore');
  if (!tool) throw new Error('no pg_restore on this machine: apt-get install postgresql-client-NN');
  const child = spawn(tool.path, ['--data-only', '--file=-', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 4_000) stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const counts = new Map<string, number>();
  let table: string | undefined;
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (table === undefined) {
      const header = COPY_HEADER.exec(line);
      if (header?.[1]) {
        table = header[1];
        counts.set(table, 0);
      }
    } else if (line === '\\.') {
      table = undefined;
    } else {
      counts.set(table, (counts.get(table) ?? 0) + 1);
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`pg_restore exited ${code} reading ${file}: ${stderr.trim().slice(0, 500)}`);
  return counts;
}
