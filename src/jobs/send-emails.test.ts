import { describe, expect, it } from 'vitest';
import { EMAIL_ATTEMPTS_MAX, EMAIL_RETRY_CAP_MS, retryDelayMs, scrubSmtpError } from './send-emails.js';

describe('send_emails retries', () => {
  it('waits 1, 2, 4 … minutes, never more than the cap, and gives up after the last attempt', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000, 480_000]);
    for (let attempts = 1; attempts < EMAIL_ATTEMPTS_MAX; attempts += 1) {
      expect(retryDelayMs(attempts)).toBeLessThanOrEqual(EMAIL_RETRY_CAP_MS);
    }
    expect(retryDelayMs(EMAIL_ATTEMPTS_MAX)).toBeNull();
  });

  it('keeps the code and reply of an SMTP error without credentials or addresses', () => {
    const url = 'smtp://mailer%40corp:p%40ss%3Aword@mail.example.org:587';
    const error = Object.assign(new Error('Invalid login: 535 mailer@corp p@ss:word rejected for <maria@example.com>'), {
      code: 'EAUTH',
      responseCode: 535,
    });
    const scrubbed = scrubSmtpError(error, url);
    expect(scrubbed).toContain('EAUTH 535 Invalid login');
    expect(scrubbed).not.toContain('p@ss:word');
    expect(scrubbed).not.toContain('maria@example.com');
    expect(scrubbed).not.toContain('mailer@corp');
    expect(scrubSmtpError(new Error('x'.repeat(2_000)), url)).toHaveLength(500);
  });
});
