import type pg from 'pg';
import { withTransaction } from '../../db/unit-of-work.js';
import { DomainError } from '../../lib/errors.js';
import { type EmailLanguage, emailLanguage } from './email-render.js';
import type { NotificationKind } from './notify.js';
import { findLanguage, findPreferences, unsubscribeEmail, upsertPreference } from './preferences.repository.js';
import type { NotificationPreferencesResponse, PutPreferencesInput } from './preferences.schemas.js';
import { NOTIFICATION_KINDS, type UnsubscribeTokens } from './unsubscribe-token.js';

export interface PreferencesDeps {
  pool: pg.Pool;
  tokens: UnsubscribeTokens;
  /** Whether the server sends e-mail at all (SMTP_URL set). */
  emailEnabled: boolean;
}

export function invalidUnsubscribeToken(): DomainError {
  return new DomainError('invalid_unsubscribe_token', 403, 'This unsubscribe link is not valid.');
}

/** Where a person's notifications go, per kind, and the one-click way out of e-mails. */
export class PreferencesService {
  constructor(private readonly deps: PreferencesDeps) {}

  async get(userId: string): Promise<NotificationPreferencesResponse> {
    const saved = await findPreferences(this.deps.pool, userId);
    return {
      items: NOTIFICATION_KINDS.map((kind) => {
        const row = saved.find((preference) => preference.kind === kind);
        return { kind, in_app: row?.in_app ?? true, email: row?.email ?? false };
      }),
      email_enabled: this.deps.emailEnabled,
    };
  }

  /** Sets the given kinds; the same request twice leaves the same state (PUT is idempotent). */
  async put(userId: string, input: PutPreferencesInput): Promise<NotificationPreferencesResponse> {
    const kinds = input.items.map((item) => item.kind);
    if (new Set(kinds).size !== kinds.length) {
      throw new DomainError('duplicate_kind', 422, 'Each kind may appear once.');
    }
    await withTransaction(this.deps.pool, async (client) => {
      for (const item of input.items) await upsertPreference(client, userId, item);
    });
    return this.get(userId);
  }

  /** Turns off the e-mails the signed token names; repeating it is harmless. */
  async unsubscribe(token: string): Promise<{ kind: NotificationKind; language: EmailLanguage }> {
    const target = await this.deps.tokens.verify(token);
    if (!target) throw invalidUnsubscribeToken();
    if (!(await unsubscribeEmail(this.deps.pool, target.userId, target.kind))) throw invalidUnsubscribeToken();
    return { kind: target.kind, language: emailLanguage(await findLanguage(this.deps.pool, target.userId)) };
  }

  /** What the confirmation page needs before anything changes: a valid token's kind and language. */
  async confirm(token: string): Promise<{ kind: NotificationKind; language: EmailLanguage }> {
    const target = await this.deps.tokens.verify(token);
    if (!target) throw invalidUnsubscribeToken();
    return { kind: target.kind, language: emailLanguage(await findLanguage(this.deps.pool, target.userId)) };
  }
}
