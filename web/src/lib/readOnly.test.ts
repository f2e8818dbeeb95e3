import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isReadOnly, noticeReadOnlyAnswer, setReadOnly } from './readOnly';

/** GET /api/config as the server would answer it, counting the calls. */
function serverSays(readOnly: boolean | 'missing') {
  const calls: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    calls.push(url);
    if (readOnly === 'missing') return new Response('{}', { status: 404 });
    return new Response(JSON.stringify({ features: {}, read_only: readOnly }), { status: 200 });
  });
  return calls;
}

describe('read-only learned from a 503 read_only answer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setReadOnly(false);
  });
  afterEach(() => {
    setReadOnly(false);
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('holds until GET /api/config, asked once Retry-After has passed, says writes are back', async () => {
    const calls = serverSays(true);
    noticeReadOnlyAnswer('30');
    expect(isReadOnly()).toBe(true);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual(['/api/config']);
    expect(isReadOnly()).toBe(true);
    serverSays(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(isReadOnly()).toBe(false);
  });

  it('is forgotten when the server has no such route, rather than leaving the screens disabled', async () => {
    serverSays('missing');
    noticeReadOnlyAnswer('30');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(isReadOnly()).toBe(false);
  });

  it('asks no sooner than 5 s and no later than 5 min, whatever Retry-After says', async () => {
    const calls = serverSays(true);
    noticeReadOnlyAnswer('1');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    setReadOnly(false);
    noticeReadOnlyAnswer('86400');
    await vi.advanceTimersByTimeAsync(300_000);
    expect(calls).toHaveLength(2);
  });

  it('learned from GET /api/config at start, it is asked again too, so an open tab learns writes are back', async () => {
    const calls = serverSays(false);
    setReadOnly(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toEqual(['/api/config']);
    expect(isReadOnly()).toBe(false);
  });

  it('a write that succeeds meanwhile (setReadOnly(false)) cancels the question', async () => {
    const calls = serverSays(true);
    noticeReadOnlyAnswer('30');
    setReadOnly(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([]);
    expect(isReadOnly()).toBe(false);
  });
});
