import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { applyAuthChange, type SessionCache } from './session-cache.js';

/** The channel the database's triggers announce session and person changes on. */
export const AUTH_CHANGE_CHANNEL = 'vdp_auth_changed';
/**
 * After losing the connection the listener tries again after RECONNECT_DELAY_MS, and
 * doubles the wait after each failed attempt up to RECONNECT_DELAY_MAX_MS, so a long
 * database outage costs one attempt (and one log line) every few seconds, not a storm.
 */
const RECONNECT_DELAY_MS = 1_000;
export const RECONNECT_DELAY_MAX_MS = 10_000;
/** Doublings counted at most, so the delay arithmetic stays small however long the outage. */
const RECONNECT_DOUBLINGS_MAX = 10;

/**
 * Keeps one connection LISTENing on vdp_auth_changed and applies every notification to
 * the session cache. The cache is trusted only while this connection is up: it is turned
 * on after LISTEN succeeds and off (and emptied) the moment the connection errors or
 * ends, then the listener reconnects after a short delay, as often as it takes.
 */
export class AuthChangeListener {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Failed attempts since the connection was last up; sets the next delay. */
  private failures = 0;

  constructor(
    private readonly options: {
      createClient: () => pg.Client;
      cache: SessionCache;
      log: FastifyBaseLogger;
      reconnectDelayMs?: number;
    },
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.options.cache.setEnabled(false);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = this.options.createClient();
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === AUTH_CHANGE_CHANNEL) applyAuthChange(this.options.cache, message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_CHANGE_CHANNEL}`);
      if (this.client === client) {
        this.failures = 0;
        this.options.cache.setEnabled(true);
      }
    } catch (error) {
      this.lost(client, error);
    }
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.options.cache.setEnabled(false);
    client.end().catch(() => {});
    if (this.stopped) return;
    const first = this.options.reconnectDelayMs ?? RECONNECT_DELAY_MS;
    const delay_ms = Math.min(
      first * 2 ** Math.min(this.failures, RECONNECT_DOUBLINGS_MAX),
      Math.max(first, RECONNECT_DELAY_MAX_MS),
    );
    this.failures += 1;
    this.options.log.warn(
      { code: (error as { code?: unknown } | undefined)?.code, attempt: this.failures, retry_in_ms: delay_ms },
      'session cache off: lost the connection that hears session changes',
    );
    this.timer = setTimeout(() => void this.connect(), delay_ms);
    this.timer.unref();
  }
}
