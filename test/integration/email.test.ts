import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runJobOnce } from '../../src/jobs/runner.js';
import { EMAIL_RETRY_BASE_MS, sendEmailsJob } from '../../src/jobs/send-emails.js';
import { fixedClock } from '../../src/lib/clock.js';
import { type NotificationKind, notify } from '../../src/modules/notifications/notify.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { SMTP_PASSWORD, SMTP_USER, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';

const APP_URL = 'https://pix.example.org';
const clock = fixedClock('2027-01-04T12:00:00Z');
let t: TestApp;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ clock, env: { SMTP_URL: smtp.url, APP_URL } });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});
beforeEach(async () => {
  // Each test sends only its own e-mails: earlier tests' leftovers are set aside.
  await t.pool.query(`UPDATE email_outbox SET status = 'cancelled' WHERE status = 'pending'`);
  smtp.received.length = 0;
  smtp.refuseNext(0, 451);
});

const job = () => sendEmailsJob({ mail: t.config.mail });

/** Someone who asked for both kinds by e-mail (e-mail is opt-in). */
async function person(language: 'pt-BR' | 'en' | null, name = 'Maria da Silva') {
  const signed = await signedIn(t.app, name);
  if (language) expectStatus(await signed.client.patch('/api/me', { language }), 200);
  const both = [
    { kind: 'budget_alert', in_app: true, email: true },
    { kind: 'weekly_summary', in_app: true, email: true },
  ];
  expectStatus(await signed.client.put('/api/notifications/preferences', { items: both }), 200);
  return signed;
}

function queue(userId: string, kind: NotificationKind, dedupeKey: string, params: Record<string, string | number | null>) {
  return notify(t.pool, { userId, kind, dedupeKey, params, link: '/orcamentos?mes=2027-01', now: clock.now() });
}

const summaryParams = {
  week: '2026-W53',
  from_day: '2026-12-28',
  to_day: '2027-01-03',
  spent_cents: 123_456,
  income_cents: 500_000,
  budgets_count: 2,
  budgets_over_count: 1,
  budgets_spent_cents: 90_000,
  budgets_limit_cents: 80_000,
  bills_count: 1,
  bills_total_cents: 150_000,
  next_bill_description: 'Aluguel',
  next_bill_on: '2027-01-05',
  next_bill_cents: 150_000,
};

async function outboxOf(userId: string) {
  const rows = await t.pool.query<{
    id: string;
    status: string;
    attempts: number;
    next_attempt_at: Date;
    last_error: string | null;
  }>('SELECT id, status, attempts, next_attempt_at, last_error FROM email_outbox WHERE user_id = $1 ORDER BY created_at, id', [
    userId,
  ]);
  return rows.rows;
}

function unsubscribeUrlOf(mail: { text?: string }): URL {
  const found = /https:\/\/pix\.example\.org\/api\/notifications\/unsubscribe\?token=\S+/.exec(mail.text ?? '');
  if (!found) throw new Error('no unsubscribe link in the e-mail');
  return new URL(found[0]);
}

describe('send_emails', () => {
  it('sends the weekly summary and a budget alert once each, in the reader’s language, with one-click unsubscribe', async () => {
    const maria = await person(null, 'Maria');
    const john = await person('en', 'John');
    await queue(maria.user.id, 'weekly_summary', 'week:2026-W53', summaryParams);
    await queue(john.user.id, 'budget_alert', 'budget:b1:80', {
      category_name: 'Food',
      threshold: 80,
      month: '2027-01',
      spent_cents: 80_000,
      limit_cents: 100_000,
    });

    expect(await runJobOnce(t.pool, job(), clock)).toEqual({ ran: true, affected: 2 });
    expect(await runJobOnce(t.pool, job(), clock)).toEqual({ ran: true, affected: 0 });
    expect(smtp.received).toHaveLength(2);

    const summary = smtp.received.find((mail) => mail.to && JSON.stringify(mail.to).includes(maria.user.email));
    expect(summary?.subject).toBe('Seu resumo da semana 2026-W53');
    expect(summary?.text).toContain('Sua semana de 28/12/2026 a 03/01/2027');
    expect(summary?.text).toContain('Gastos: R$\u00a01.234,56');
    expect(summary?.text).toContain('Próxima: Aluguel em 05/01/2027, R$\u00a01.500,00');
    expect(summary?.from?.text).toContain('no-reply@localhost');
    const alert = smtp.received.find((mail) => mail.to && JSON.stringify(mail.to).includes(john.user.email));
    expect(alert?.subject).toBe('You reached 80% of your Food budget');
    expect(alert?.text).toContain('Spent: R$\u00a0800,00 of R$\u00a01.000,00.');

    const [summaryRow] = await outboxOf(maria.user.id);
    expect(summaryRow).toMatchObject({ status: 'sent', attempts: 1 });
    expect(summary?.messageId).toBe(`<${summaryRow?.id}@pix.example.org>`);
    const link = unsubscribeUrlOf(summary ?? {});
    const header = (name: string) => summary?.headerLines.find((line) => line.key === name)?.line.replace(/\r?\n/g, '');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${link.href}>`);

    // The link opens a page that asks first; the one-click POST (as a mail provider sends it) turns it off.
    const page = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('resumos semanais');
    const before = await maria.client.get('/api/notifications/preferences');
    expect(before.json().items).toContainEqual({ kind: 'weekly_summary', in_app: true, email: true });
    for (let repeat = 0; repeat < 2; repeat += 1) {
      const done = await t.app.inject({
        method: 'POST',
        url: `${link.pathname}${link.search}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('não receberá mais resumos semanais');
    }
    const after = (await maria.client.get('/api/notifications/preferences')).json();
    expect(after.items).toEqual([
      { kind: 'budget_alert', in_app: true, email: true },
      { kind: 'weekly_summary', in_app: true, email: false },
      { kind: 'recurring_failed', in_app: true, email: false },
    ]);
    // The next summary is written for the app only: no e-mail is queued.
    await queue(maria.user.id, 'weekly_summary', 'week:2027-W01', summaryParams);
    expect(await outboxOf(maria.user.id)).toHaveLength(1);
  });

  it('refuses a made-up token, a changed one, and another person’s token for someone else', async () => {
    const ana = await person('pt-BR', 'Ana');
    const bia = await person('pt-BR', 'Bia');
    await queue(ana.user.id, 'budget_alert', 'budget:x:50', { category_name: 'Lazer', threshold: 50, month: '2027-01' });
    await runJobOnce(t.pool, job(), clock);
    const token = unsubscribeUrlOf(smtp.received[0] ?? {}).searchParams.get('token') ?? '';
    const [, kind, signature = ''] = token.split('.');
    // The same signature bytes spelled otherwise: base64url's last character of 32 bytes carries
    // two unused bits, so the next letter of the alphabet decodes to the same bytes.
    const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = `${signature.slice(0, -1)}${BASE64URL[BASE64URL.indexOf(signature.slice(-1)) + 1]}`;
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    const forgeries = [
      `${ana.user.id}.${kind}.${respelled}`,
      `${bia.user.id}.${kind}.${signature}`,
      `${ana.user.id}.weekly_summary.${signature}`,
      `${ana.user.id}.${kind}.${'A'.repeat(43)}`,
      `${ana.user.id}.${kind}.${signature.slice(0, -1)}${signature.endsWith('B') ? 'C' : 'B'}`,
      'not-a-token',
    ].map(encodeURIComponent);
    // A NUL byte and a lone surrogate, as raw percent-escapes.
    forgeries.push('%00', '%ED%A0%80', `${ana.user.id}.${kind}.${signature}%00`);
    for (const forged of forgeries) {
      const url = `/api/notifications/unsubscribe?token=${forged}`;
      const refused = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect([400, 403]).toContain(refused.statusCode);
      expect(refused.headers['content-type']).toContain('application/problem+json');
    }
    expectProblem(
      await t.app.inject({ method: 'GET', url: `/api/notifications/unsubscribe?token=${bia.user.id}.${kind}.${signature}` }),
      403,
      'invalid_unsubscribe_token',
    );
    for (const who of [ana, bia]) {
      expect((await who.client.get('/api/notifications/preferences')).json().items).toContainEqual({
        kind: 'budget_alert',
        in_app: true,
        email: true,
      });
    }
    const huge = await t.app.inject({
      method: 'POST',
      url: `/api/notifications/unsubscribe?token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `List-Unsubscribe=${'x'.repeat(1024 * 1024)}`,
    });
    expect(huge.statusCode).toBe(413);
  });

  it('retries a refused e-mail with growing waits, keeps no secret or address in the error, then sends it once', async () => {
    const maria = await person(null);
    await queue(maria.user.id, 'budget_alert', 'budget:r:80', { category_name: 'Lazer', threshold: 80, month: '2027-01' });
    smtp.refuseNext(2, 451);
    const start = clock.now().getTime();
    try {
      await runJobOnce(t.pool, job(), clock);
      let [row] = await outboxOf(maria.user.id);
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row?.next_attempt_at.getTime()).toBe(start + EMAIL_RETRY_BASE_MS);
      expect(row?.last_error).toContain('451');
      expect(row?.last_error).not.toContain('someone@example.com');
      expect(row?.last_error).not.toContain(SMTP_PASSWORD);

      // Not due yet: nothing happens.
      await runJobOnce(t.pool, job(), clock);
      expect((await outboxOf(maria.user.id))[0]?.attempts).toBe(1);

      clock.advance(EMAIL_RETRY_BASE_MS);
      smtp.refuseNext(1, 554);
      await runJobOnce(t.pool, job(), clock);
      [row] = await outboxOf(maria.user.id);
      expect(row).toMatchObject({ status: 'pending', attempts: 2 });
      expect(row?.next_attempt_at.getTime()).toBe(clock.now().getTime() + 2 * EMAIL_RETRY_BASE_MS);
      expect(smtp.received).toHaveLength(0);

      clock.advance(2 * EMAIL_RETRY_BASE_MS);
      await runJobOnce(t.pool, job(), clock);
      await runJobOnce(t.pool, job(), clock);
      expect(smtp.received).toHaveLength(1);
      expect(await outboxOf(maria.user.id)).toMatchObject([{ status: 'sent', attempts: 3, last_error: null }]);
    } finally {
      clock.set(new Date(start));
    }
  });

  it('when the server is down, records the attempt without the password and sends once it is back', async () => {
    const maria = await person(null);
    await queue(maria.user.id, 'budget_alert', 'budget:d:80', { category_name: 'Lazer', threshold: 80, month: '2027-01' });
    const down = loadConfig({ SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:1`, APP_URL });
    const start = clock.now().getTime();
    try {
      await runJobOnce(t.pool, sendEmailsJob({ mail: down.mail }), clock);
      const [row] = await outboxOf(maria.user.id);
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row?.last_error).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
      expect(row?.last_error).not.toContain(SMTP_PASSWORD);
      clock.advance(EMAIL_RETRY_BASE_MS);
      await runJobOnce(t.pool, job(), clock);
      expect(smtp.received).toHaveLength(1);
      expect(await outboxOf(maria.user.id)).toMatchObject([{ status: 'sent', attempts: 2 }]);
    } finally {
      clock.set(new Date(start));
    }
  });

  it('never sends an e-mail twice, even when runs bypass the lock and race', async () => {
    const people = await Promise.all(Array.from({ length: 6 }, () => person(null)));
    for (const [index, someone] of people.entries()) {
      await queue(someone.user.id, 'budget_alert', `budget:c${index}:50`, {
        category_name: 'Lazer',
        threshold: 50,
        month: '2027-01',
      });
      await queue(someone.user.id, 'budget_alert', `budget:c${index}:80`, {
        category_name: 'Lazer',
        threshold: 80,
        month: '2027-01',
      });
    }
    const sender = job();
    const context = {
      pool: t.pool,
      now: clock.now(),
      clock,
      logger: (await import('pino')).default({ level: 'silent' }),
      report: () => {},
      signal: new AbortController().signal,
    };
    const counts = await Promise.all([
      sender.run(context),
      sender.run(context),
      sender.run(context),
      runJobOnce(t.pool, job(), clock),
    ]);
    expect(smtp.received).toHaveLength(12);
    expect(new Set(smtp.received.map((mail) => mail.messageId)).size).toBe(12);
    const sent = counts.slice(0, 3).reduce((sum: number, count) => sum + (count as number), 0);
    const viaRunner = counts[3] as { ran: boolean; affected?: number };
    expect(sent + (viaRunner.ran ? (viaRunner.affected ?? 0) : 0)).toBe(12);
  });

  it('without SMTP_URL sends nothing, says so once, and cancels what waited more than a week', async () => {
    const maria = await person(null);
    await queue(maria.user.id, 'budget_alert', 'budget:n:80', { category_name: 'Lazer', threshold: 80, month: '2027-01' });
    const warnings: string[] = [];
    const logger = (await import('pino')).default({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const idle = sendEmailsJob({ mail: loadConfig({}).mail });
    await runJobOnce(t.pool, idle, { clock, logger });
    await runJobOnce(t.pool, idle, { clock, logger });
    expect(warnings.filter((line) => line.includes('SMTP_URL is not set'))).toHaveLength(1);
    expect(await outboxOf(maria.user.id)).toMatchObject([{ status: 'pending', attempts: 0 }]);
    const start = clock.now().getTime();
    try {
      clock.advance(8 * 24 * 3600_000);
      await runJobOnce(t.pool, idle, { clock, logger });
      expect(await outboxOf(maria.user.id)).toMatchObject([{ status: 'cancelled', attempts: 0 }]);
      expect(smtp.received).toHaveLength(0);
    } finally {
      clock.set(new Date(start));
    }
  });
});

describe('notification preferences', () => {
  it('reads defaults, saves idempotently, refuses a kind twice and bad bodies', async () => {
    const { client } = await signedIn(t.app);
    expect((await client.get('/api/notifications/preferences')).json()).toEqual({
      // E-mail is opt-in: addresses are not verified.
      items: [
        { kind: 'budget_alert', in_app: true, email: false },
        { kind: 'weekly_summary', in_app: true, email: false },
        { kind: 'recurring_failed', in_app: true, email: false },
      ],
      email_enabled: true,
    });
    const body = { items: [{ kind: 'weekly_summary', in_app: false, email: true }] };
    for (let repeat = 0; repeat < 2; repeat += 1) {
      const saved = expectStatus(await client.put('/api/notifications/preferences', body), 200).json();
      expect(saved.items).toContainEqual({ kind: 'weekly_summary', in_app: false, email: true });
      expect(saved.items).toContainEqual({ kind: 'budget_alert', in_app: true, email: false });
    }
    expectProblem(
      await client.put('/api/notifications/preferences', {
        items: [
          { kind: 'budget_alert', in_app: true, email: true },
          { kind: 'budget_alert', in_app: false, email: true },
        ],
      }),
      422,
      'duplicate_kind',
    );
    for (const bad of [
      { items: [] },
      { items: [{ kind: 'nope', in_app: true, email: true }] },
      { items: [{ kind: 'budget_alert' }] },
      {},
    ]) {
      expect((await client.put('/api/notifications/preferences', bad)).statusCode).toBe(400);
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/notifications/preferences' })).statusCode).toBe(401);
  });
});
