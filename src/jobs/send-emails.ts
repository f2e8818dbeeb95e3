import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { AdvisoryLock } from '../db/locks.js';
import { emailLanguage, renderEmail } from '../modules/notifications/email-render.js';
import {
  type ClaimedEmail,
  cancelEmail,
  cancelStale,
  claimNextDue,
  markAttemptFailed,
  markSent,
  purgeFinished,
} from '../modules/notifications/outbox.repository.js';
import { UnsubscribeTokens } from '../modules/notifications/unsubscribe-token.js';
import type { Job, JobContext } from './job.js';

/** E-mails one run sends at most; the next minute's run takes the rest. */
export const EMAILS_PER_RUN_MAX = 100;
/** How long a claimed e-mail is not due for anyone else: far longer than one send may take. */
export const CLAIM_LEASE_MS = 10 * 60_000;
/** Attempts before an e-mail is given up ('failed'). */
export const EMAIL_ATTEMPTS_MAX = 8;
/** The wait after the first failure; it doubles per attempt up to EMAIL_RETRY_CAP_MS. */
export const EMAIL_RETRY_BASE_MS = 60_000;
export const EMAIL_RETRY_CAP_MS = 6 * 3600_000;
/** A pending e-mail older than this is cancelled: last week's summary is noise. */
export const EMAIL_STALE_DAYS = 7;
/** Finished rows (sent, failed, cancelled) are deleted after this. */
export const EMAIL_RETENTION_DAYS = 30;
const HOUSEKEEPING_BATCH_MAX = 1_000;
const SMTP_CONNECTION_TIMEOUT_MS = 10_000;
const SMTP_SOCKET_TIMEOUT_MS = 60_000;
const ERROR_LENGTH_MAX = 500;
const DAY_MS = 24 * 3600_000;

/** The wait before attempt `attempts + 1`, or null when `attempts` was the last one allowed. */
export function retryDelayMs(attempts: number): number | null {
  if (attempts >= EMAIL_ATTEMPTS_MAX) return null;
  return Math.min(EMAIL_RETRY_BASE_MS * 2 ** (attempts - 1), EMAIL_RETRY_CAP_MS);
}

/**
 * What the outbox keeps of an SMTP failure: the code and the server's answer, with the
 * SMTP_URL's user and password and any e-mail address taken out (a rejection quotes the
 * recipient), so the row and the logs hold no secret and no address.
 */
export function scrubSmtpError(error: unknown, smtpUrl: string): string {
  const details = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  let text = [details.code, details.responseCode, details.message]
    .filter((part) => typeof part === 'string' || typeof part === 'number')
    .join(' ');
  for (const secret of smtpSecrets(smtpUrl)) text = text.split(secret).join('***');
  text = text.replace(/[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g, '<address>');
  return (text || 'unknown SMTP error').slice(0, ERROR_LENGTH_MAX);
}

/** The user and password of SMTP_URL, as written and decoded (each decoded on its own: a bare % does not decode). */
function smtpSecrets(smtpUrl: string): string[] {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    // loadConfig refuses an SMTP_URL that does not parse; nothing to take out here.
    return [];
  }
  const decoded = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  return [url.password, decoded(url.password), url.username, decoded(url.username)].filter((secret) => secret.length > 0);
}

/** Whether the SMTP server answered (a per-message refusal), rather than could not be reached. */
function serverAnswered(error: unknown): boolean {
  return typeof (error as { responseCode?: unknown }).responseCode === 'number';
}

interface Sender {
  mail: Config['mail'];
  transport: Transporter;
  tokens: UnsubscribeTokens;
}

async function sendOne(sender: Sender, claim: ClaimedEmail): Promise<void> {
  const { mail } = sender;
  const token = await sender.tokens.sign(claim.user_id, claim.kind);
  const unsubscribeUrl = `${mail.appUrl}/api/notifications/unsubscribe?token=${token}`;
  const rendered = renderEmail({
    kind: claim.kind,
    params: claim.params,
    link: claim.link,
    language: emailLanguage(claim.language),
    name: claim.name,
    appUrl: mail.appUrl,
    unsubscribeUrl,
  });
  await sender.transport.sendMail({
    from: mail.from,
    to: claim.email,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    // The same id on every attempt: a copy sent twice (see docs/OPERATIONS.md) is recognisable as one.
    messageId: `<${claim.id}@${new URL(mail.appUrl).hostname}>`,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'Auto-Submitted': 'auto-generated',
    },
  });
}

/** Expires what waited too long and deletes old finished rows, so the table stays bounded. */
async function keepBounded({ pool, now }: JobContext): Promise<number> {
  const cancelled = await cancelStale(pool, {
    before: new Date(now.getTime() - EMAIL_STALE_DAYS * DAY_MS),
    limit: HOUSEKEEPING_BATCH_MAX,
    claimedBefore: new Date(now.getTime() - CLAIM_LEASE_MS),
  });
  const purged = await purgeFinished(pool, {
    before: new Date(now.getTime() - EMAIL_RETENTION_DAYS * DAY_MS),
    limit: HOUSEKEEPING_BATCH_MAX,
  });
  return cancelled + purged;
}

/** Sends due e-mails one at a time, and stops early when the server cannot be reached. */
async function sendDue(sender: Sender, context: JobContext): Promise<number> {
  let sent = 0;
  for (let taken = 0; taken < EMAILS_PER_RUN_MAX; taken += 1) {
    const claim = await claimNextDue(context.pool, { now: context.clock.now(), leaseMs: CLAIM_LEASE_MS });
    if (!claim) break;
    if (!claim.wants_email) {
      await cancelEmail(context.pool, { id: claim.id, attempts: claim.attempts, reason: 'unsubscribed' });
      continue;
    }
    // Recorded even if the run loses its lock meanwhile: the SMTP server has already answered.
    const outcomes = context.outcomePool ?? context.pool;
    try {
      // A run that has lost its lock starts no send (the claim's lease keeps the row for later).
      context.signal.throwIfAborted();
      await sendOne(sender, claim);
    } catch (error) {
      if (context.signal.aborted) throw error;
      const delay = retryDelayMs(claim.attempts);
      const failedAt = context.clock.now();
      await markAttemptFailed(outcomes, {
        id: claim.id,
        attempts: claim.attempts,
        error: scrubSmtpError(error, sender.mail.smtpUrl ?? ''),
        retryAt: delay === null ? null : new Date(failedAt.getTime() + delay),
      });
      context.logger.warn(
        { outbox_id: claim.id, attempts: claim.attempts, gave_up: delay === null },
        'an e-mail was not accepted',
      );
      if (!serverAnswered(error)) break;
      continue;
    }
    // Accepted by the server: from here a crash before this UPDATE means a second copy later.
    if (await markSent(outcomes, { id: claim.id, attempts: claim.attempts, now: context.clock.now() })) sent += 1;
  }
  return sent;
}

function createTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS,
    greetingTimeout: SMTP_CONNECTION_TIMEOUT_MS,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
  });
}

function warnOnce(logger: Logger, state: { warned: boolean }): void {
  if (state.warned) return;
  state.warned = true;
  logger.warn(
    { stale_days: EMAIL_STALE_DAYS },
    'SMTP_URL is not set: no e-mail is sent; queued e-mails wait and are cancelled when they are older than stale_days',
  );
}

/**
 * Sends the e-mail outbox (see docs/OPERATIONS.md, "E-mail"): due rows one at a time,
 * each claimed by a committed attempt count before it is handed to the SMTP server and
 * marked sent after, retried with exponential backoff, given up after EMAIL_ATTEMPTS_MAX.
 * Without SMTP_URL it sends nothing and says so once. Either way it keeps the table
 * bounded: stale pending rows are cancelled and old finished rows deleted.
 */
export function sendEmailsJob(config: Pick<Config, 'mail'>): Job {
  const state = { warned: false };
  return {
    name: 'send_emails',
    lock: AdvisoryLock.JobSendEmails,
    schedule: '* * * * *',
    async run(context) {
      const housekeeping = await keepBounded(context);
      const { smtpUrl } = config.mail;
      if (smtpUrl === undefined) {
        warnOnce(context.logger, state);
        return housekeeping;
      }
      const transport = createTransport(smtpUrl);
      try {
        const tokens = new UnsubscribeTokens({ pool: context.pool, clock: context.clock });
        return housekeeping + (await sendDue({ mail: config.mail, transport, tokens }, context));
      } finally {
        transport.close();
      }
    },
  };
}
