import { describe, expect, it } from 'vitest';
import { accountLockKey } from '../db/locks.js';
import { canonicalJson } from './idempotency.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined, so reordered retries hash the same', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });
});

describe('accountLockKey', () => {
  it('is the first 32 bits of the id, read as a signed int4', () => {
    const ids = [
      '00000000-0000-4000-8000-000000000000',
      '7fffffff-ffff-4fff-bfff-ffffffffffff',
      '80000000-0000-4000-8000-000000000000',
      'ffffffff-0000-4000-8000-000000000000',
    ];
    expect(ids.map(accountLockKey)).toEqual([0, 2_147_483_647, -2_147_483_648, -1]);
    // Ids sharing a prefix share a key; distinct prefixes give distinct keys.
    expect(accountLockKey('abcdef01-1111-4111-8111-111111111111')).toBe(accountLockKey('abcdef01-2222-4222-8222-222222222222'));
  });
});
