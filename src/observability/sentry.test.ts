import type { ErrorEvent } from '@sentry/node';
import { describe, expect, it } from 'vitest';
import { scrubEvent } from './sentry.js';

describe('scrubEvent (the second line of defence before an event leaves)', () => {
  it('drops request, extra and breadcrumbs, keeps only user.id, and scrubs every string', () => {
    const event = {
      type: undefined,
      event_id: 'abc',
      request: { data: '{"password":"senha"}', cookies: { vdp_session: 'x' }, query_string: 'email=maria@example.com' },
      extra: { body: { password: 'senha' } },
      breadcrumbs: [{ message: 'POST /api/auth/login maria@example.com' }],
      user: { id: 'user-1', email: 'maria@example.com', ip_address: '10.0.0.1', username: 'maria' },
      tags: { request_id: 'req-1', route: '/api/auth/register' },
      exception: { values: [{ type: 'Error', value: 'cannot notify maria@example.com with Bearer abc.def' }] },
      contexts: { deep: { deeper: { note: 'hash $argon2id$v=19$m=19456,t=2,p=1$salt$hash' } } },
    } as unknown as ErrorEvent;
    const scrubbed = scrubEvent(event);
    expect(scrubbed.request).toBeUndefined();
    expect(scrubbed.extra).toBeUndefined();
    expect(scrubbed.breadcrumbs).toBeUndefined();
    expect(scrubbed.user).toEqual({ id: 'user-1' });
    expect(scrubbed.tags).toEqual({ request_id: 'req-1', route: '/api/auth/register' });
    expect(scrubbed.exception?.values?.[0]?.value).toBe('cannot notify [email] with Bearer [token]');
    const text = JSON.stringify(scrubbed);
    for (const secret of ['maria@example.com', 'senha', '$argon2', '10.0.0.1', 'abc.def']) expect(text).not.toContain(secret);
  });
});
