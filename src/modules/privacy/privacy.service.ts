import { PassThrough, Readable } from 'node:stream';
import { verify } from '@node-rs/argon2';
import type pg from 'pg';
import { ZipFile } from 'yazl';
import { runTransaction } from '../../db/unit-of-work.js';
import { assert } from '../../lib/assert.js';
import type { Clock } from '../../lib/clock.js';
import { DomainError } from '../../lib/errors.js';
import { newId, newSessionToken } from '../../lib/ids.js';
import { hashWithArgon2 } from '../auth/auth.service.js';
import { csvLine, UTF8_BOM } from './csv.js';
import {
  allowAnonymisation,
  csvPage,
  type ErasureContext,
  type ExportSpec,
  insertPrivacyRequest,
  jsonPage,
  lockAccountsOf,
  lockPerson,
  PRIVACY_TABLES,
} from './privacy.repository.js';

/**
 * Rows read per query while exporting: the export holds at most one page of one table in
 * memory, whatever the person has (bench/export.ts measures it at 10,000 and 100,000).
 */
export const EXPORT_PAGE_ROWS = 1_000;
/**
 * Exports running at once in one process. Each holds a database connection (one snapshot,
 * so balances and entries agree) for as long as the download lasts; more wait their turn (429).
 */
export const EXPORTS_IN_FLIGHT_MAX = 2;
/**
 * An export whose client stops reading holds its snapshot open: PostgreSQL ends the
 * transaction after this long idle, which frees the connection.
 */
export const EXPORT_IDLE_MS_MAX = 5 * 60_000;
/**
 * Chunks (pages) a stream holds ahead of its reader: one. Node's default for a stream of
 * objects is sixteen, which would read sixteen pages ahead of a slow download.
 */
export const EXPORT_CHUNKS_AHEAD_MAX = 1;
/**
 * The longest an export may take. Reading slowly keeps both the socket's stall timeout and the
 * snapshot's idle timeout from firing, so without it two slow readers could hold both slots
 * for hours; a real download of 100,000 transactions takes seconds, over a slow phone minutes.
 */
export const EXPORT_DURATION_MS_MAX = 30 * 60_000;
/** Seconds a client is told to wait when every export slot is taken. */
const EXPORT_BUSY_RETRY_AFTER_SECONDS = '30';

export type ExportFormat = 'json' | 'zip';

export interface ExportDownload {
  filename: string;
  contentType: string;
  stream: Readable;
}

/** The page readers, replaceable so a test can count what the export reads and when. */
export interface ExportPages {
  jsonPage: typeof jsonPage;
  csvPage: typeof csvPage;
}

export interface PrivacyServiceOptions {
  pool: pg.Pool;
  clock: Clock;
  pageRows?: number;
  pages?: ExportPages;
  /** Digests of the rate-limit rows keyed by this e-mail (src/http/rate-limit.ts). */
  rateLimitKeysOf: (email: string) => Buffer[];
  /** Called after a deletion commits: this process's cached sessions of the person go. */
  onDeleted?: (userId: string) => void;
  /** EXPORT_DURATION_MS_MAX unless a test sets it. */
  exportDurationMs?: number;
}

function exportBusy(): DomainError {
  return new DomainError(
    'export_busy',
    429,
    'Too many exports are running; try again shortly.',
    {},
    {
      'retry-after': EXPORT_BUSY_RETRY_AFTER_SECONDS,
    },
  );
}

function wrongPassword(): DomainError {
  // The same code as the e-mail change, so the app shows one message for both.
  return new DomainError('wrong_password', 403, 'The password is incorrect.');
}

const EXPORTED = PRIVACY_TABLES.flatMap((table) => (table.export ? [{ name: table.name, spec: table.export }] : []));

/** The São Paulo calendar day is not needed here: the file is named by the UTC day it was made. */
function exportFilename(now: Date, extension: string): string {
  return `vai-de-pix-dados-${now.toISOString().slice(0, 10)}.${extension}`;
}

/**
 * LGPD Art. 18 in the app: the export of everything a person has (portability, access) and
 * the deletion of the account. docs/DATA-RETENTION.md says what a deletion keeps and why.
 */
export class PrivacyService {
  private readonly pool: pg.Pool;
  private readonly clock: Clock;
  private readonly pageRows: number;
  private readonly pages: ExportPages;
  private readonly options: PrivacyServiceOptions;
  private exportsInFlight = 0;
  /** Who is exporting now: one export at a time per person, so one person cannot take every slot. */
  private readonly exporting = new Set<string>();

  constructor(options: PrivacyServiceOptions) {
    this.options = options;
    this.pool = options.pool;
    this.clock = options.clock;
    this.pageRows = options.pageRows ?? EXPORT_PAGE_ROWS;
    assert(Number.isInteger(this.pageRows) && this.pageRows >= 1, 'export page size is a positive integer');
    this.pages = options.pages ?? { jsonPage, csvPage };
  }

  /**
   * 429 export_busy when no export could start for the person now: checked before the person's
   * hourly exports are counted, so a refusal does not spend one.
   */
  refuseWhenBusy(userId: string): void {
    if (this.exportsInFlight >= EXPORTS_IN_FLIGHT_MAX || this.exporting.has(userId)) throw exportBusy();
  }

  /**
   * The export as a stream: JSON (one object, a section per table) or a ZIP of one CSV per
   * table. Every table is read in keyset pages from one REPEATABLE READ snapshot, each page
   * written before the next is read. Rejects with 429 when the process's slots are taken, or
   * when the person already has an export running.
   */
  async export(userId: string, format: ExportFormat): Promise<ExportDownload> {
    this.refuseWhenBusy(userId);
    this.exportsInFlight += 1;
    this.exporting.add(userId);
    const freeSlot = () => {
      this.exportsInFlight -= 1;
      this.exporting.delete(userId);
    };
    const startedAt = this.clock.now();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      freeSlot();
      throw error;
    }
    const session = new SnapshotSession(client, freeSlot);
    try {
      await client.query(
        `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL idle_in_transaction_session_timeout = ${EXPORT_IDLE_MS_MAX}`,
      );
    } catch (error) {
      session.release(error);
      throw error;
    }
    const onComplete = () => this.recordExport(userId, startedAt);
    if (format === 'json') {
      const stream = Readable.from(this.jsonChunks(session, userId, startedAt, onComplete), {
        highWaterMark: EXPORT_CHUNKS_AHEAD_MAX,
      });
      stream.on('close', () => session.release());
      return {
        filename: exportFilename(startedAt, 'json'),
        contentType: 'application/json; charset=utf-8',
        stream: this.bounded(stream),
      };
    }
    return {
      filename: exportFilename(startedAt, 'zip'),
      contentType: 'application/zip',
      stream: this.bounded(this.zip(session, userId, startedAt, onComplete)),
    };
  }

  /** Ends the download (the connection is cut, the slot freed) once it has taken EXPORT_DURATION_MS_MAX. */
  private bounded(stream: Readable): Readable {
    const deadline = setTimeout(
      () => stream.destroy(new Error('the export took longer than it may')),
      this.options.exportDurationMs ?? EXPORT_DURATION_MS_MAX,
    );
    deadline.unref();
    stream.on('close', () => clearTimeout(deadline));
    return stream;
  }

  private async *jsonChunks(
    session: SnapshotSession,
    userId: string,
    startedAt: Date,
    onComplete: () => Promise<void>,
  ): AsyncGenerator<string> {
    try {
      yield `{"format":"vai-de-pix-export","version":1,"exported_at":${JSON.stringify(startedAt.toISOString())}`;
      for (const { name, spec } of EXPORTED) {
        yield `,${JSON.stringify(name)}:[`;
        let separator = '';
        for await (const page of this.walk(session, spec, userId, this.pages.jsonPage)) {
          yield separator + page.map((row) => row.doc).join(',');
          separator = ',';
        }
        yield ']';
      }
      yield '}\n';
      await session.commit();
      await onComplete();
    } finally {
      session.release();
    }
  }

  /** The table's pages in key order, one query per page, each read only when asked for. */
  private async *walk<R extends { cursor: string }>(
    session: SnapshotSession,
    spec: ExportSpec,
    userId: string,
    read: (
      client: pg.PoolClient,
      spec: ExportSpec,
      options: { userId: string; after: string | null; limit: number },
    ) => Promise<R[]>,
  ): AsyncGenerator<R[]> {
    let after: string | null = null;
    for (;;) {
      const rows = await read(session.client, spec, { userId, after, limit: this.pageRows });
      assert(rows.length <= this.pageRows, 'a page holds at most pageRows rows');
      if (rows.length > 0) yield rows;
      const last = rows.at(-1);
      if (rows.length < this.pageRows || last === undefined) return;
      after = last.cursor;
    }
  }

  private async *csvChunks(session: SnapshotSession, spec: ExportSpec, userId: string): AsyncGenerator<string> {
    yield UTF8_BOM + csvLine(spec.columns.map(([name]) => name));
    for await (const page of this.walk(session, spec, userId, this.pages.csvPage)) {
      yield page.map((row) => csvLine(row.cells)).join('');
    }
  }

  /**
   * yazl reads one entry at a time and asks for each entry's stream only when it gets to
   * it (addReadStreamLazy), so the CSVs are read one after another from the one snapshot.
   */
  private zip(session: SnapshotSession, userId: string, startedAt: Date, onComplete: () => Promise<void>): Readable {
    const zip = new ZipFile();
    // The download's last byte goes out only after the snapshot is committed and the person's slot
    // freed: a second export asked for as soon as the first arrived is not refused as busy by the
    // first one's cleanup.
    const output = new PassThrough();
    zip.outputStream.pipe(output, { end: false });
    for (const { name, spec } of EXPORTED) {
      zip.addReadStreamLazy(`${name}.csv`, { mtime: startedAt }, (callback) => {
        const csv = Readable.from(this.csvChunks(session, spec, userId), { highWaterMark: EXPORT_CHUNKS_AHEAD_MAX });
        // A download cut short gives its connection back while a page may still be read on it:
        // that page's error ends the download here instead of going uncaught (and stopping the process).
        csv.on('error', (error) => output.destroy(error));
        callback(null, csv);
      });
    }
    zip.on('error', (error: Error) => output.destroy(error));
    let ended = false;
    zip.outputStream.on('end', () => {
      ended = true;
      let committed = false;
      session
        .commit()
        .then(
          () => {
            committed = true;
          },
          () => {},
        )
        .finally(() => {
          try {
            session.release();
          } finally {
            output.end();
          }
          // Recorded once the download has ended: a slow record fails no download.
          if (committed) void onComplete();
        });
    });
    // Closed before the end: the download was cut short (the connection is destroyed).
    output.on('close', () => {
      if (!ended) session.release();
    });
    zip.end();
    return output;
  }

  /** A completed export, recorded after the fact; a failure to record it does not fail the download. */
  private async recordExport(userId: string, requestedAt: Date): Promise<void> {
    await insertPrivacyRequest(this.pool, {
      id: newId(),
      userId,
      kind: 'export',
      requestedAt,
      completedAt: this.clock.now(),
    }).catch(() => {});
  }

  /**
   * Deletes the account: in one database transaction, with the person's row locked, the
   * password is checked, every registry entry's erasure runs (last entry first) and the
   * deletion is recorded. A failure anywhere rolls all of it back. A second request (a
   * double click) waits for the first's lock and finds the work done: it succeeds too,
   * without doing anything.
   */
  async deleteAccount(userId: string, password: string): Promise<void> {
    // Hashed before the transaction: argon2 takes tens of milliseconds of CPU.
    const unusablePasswordHash = await hashWithArgon2(newSessionToken());
    const deleted = await runTransaction(this.pool, async (client) => {
      await lockAccountsOf(client, userId);
      const person = await lockPerson(client, userId);
      assert(person !== undefined, 'an authenticated person has a row');
      if (person.deletedAt !== null) return false;
      if (!(await verify(person.passwordHash, password))) throw wrongPassword();
      const now = this.clock.now();
      const context: ErasureContext = {
        userId,
        email: person.email,
        now,
        unusablePasswordHash,
        rateLimitKeys: this.options.rateLimitKeysOf(person.email),
      };
      await allowAnonymisation(client, userId);
      for (const table of [...PRIVACY_TABLES].reverse()) await table.erase?.(client, context);
      await insertPrivacyRequest(client, { id: newId(), userId, kind: 'deletion', requestedAt: now, completedAt: now });
      return true;
    });
    if (deleted) this.options.onDeleted?.(userId);
  }
}

/** One connection holding the export's snapshot; released once, whatever ends the export. */
class SnapshotSession {
  private released = false;
  private committed = false;
  constructor(
    readonly client: pg.PoolClient,
    private readonly onRelease: () => void,
  ) {}

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
    this.committed = true;
  }

  /** An export cut short leaves its transaction open: the connection is then destroyed, not reused. */
  release(error?: unknown): void {
    if (this.released) return;
    this.released = true;
    const broken = error !== undefined || !this.committed;
    this.client.release(broken ? true : undefined);
    this.onRelease();
  }
}
