import { createHmac, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../../lib/clock.js';
import type { NotificationKind } from './notify.js';
import { serverSecret } from './server-secrets.repository.js';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['budget_alert', 'weekly_summary', 'recurring_failed'];
/** The server_secrets row that keys unsubscribe links. */
const UNSUBSCRIBE_SECRET_NAME = 'unsubscribe_hmac';
/** A token is "<user uuid>.<kind>.<43 base64url characters>"; anything longer is refused unread. */
export const UNSUBSCRIBE_TOKEN_LENGTH_MAX = 120;
const TOKEN_SHAPE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([a-z_]{1,32})\.([A-Za-z0-9_-]{43})$/;

function signature(secret: Buffer, userId: string, kind: NotificationKind): Buffer {
  // The purpose is part of the message, so this key's output can never pass for another use's.
  return createHmac('sha256', secret).update(`unsubscribe\n${userId}\n${kind}`).digest();
}

/**
 * Signs and checks one-click unsubscribe links: the token names a person and a kind of
 * e-mail and carries an HMAC of both under a key only the server knows, so it cannot be
 * made up, nor changed to name another person or kind. It does not expire: an old
 * e-mail's link must keep working (RFC 8058), and all it can do is turn e-mails off.
 */
export class UnsubscribeTokens {
  private secret: Promise<Buffer> | undefined;

  constructor(private readonly deps: { pool: pg.Pool; clock: Clock }) {}

  private key(): Promise<Buffer> {
    this.secret ??= serverSecret(this.deps.pool, { name: UNSUBSCRIBE_SECRET_NAME, now: this.deps.clock.now() }).catch(
      (error: unknown) => {
        this.secret = undefined;
        throw error;
      },
    );
    return this.secret;
  }

  async sign(userId: string, kind: NotificationKind): Promise<string> {
    return `${userId}.${kind}.${signature(await this.key(), userId, kind).toString('base64url')}`;
  }

  /** The person and kind the token is for, or undefined when it is not one the server signed. */
  async verify(token: string): Promise<{ userId: string; kind: NotificationKind } | undefined> {
    if (token.length > UNSUBSCRIBE_TOKEN_LENGTH_MAX) return undefined;
    const match = TOKEN_SHAPE.exec(token);
    if (!match) return undefined;
    const [, userId, kindText, given] = match as unknown as [string, string, string, string];
    const kind = NOTIFICATION_KINDS.find((known) => known === kindText);
    if (!kind) return undefined;
    // Compared as text, not as decoded bytes: base64url's last character carries two unused
    // bits, so four spellings decode to the same signature, and only the one the server wrote
    // is a token it signed.
    const expected = Buffer.from(signature(await this.key(), userId, kind).toString('base64url'));
    const presented = Buffer.from(given);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
    return { userId, kind };
  }
}
