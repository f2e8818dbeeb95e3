import { describe, expect, it } from 'vitest';
import { JSON_DEPTH_MAX, JSON_VALUES_MAX, jsonShapeExcess } from './json-body.js';
import { findUnsafeText, isCalendarDate, isTimestamp } from './validation.js';

describe('isTimestamp', () => {
  it.each([
    '2026-11-16T12:00:00Z',
    '2026-11-16t12:00:00z',
    '2026-11-16T12:00:00.123456789-03:00',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59+14:00',
    '9999-12-31T23:59:59.999999999Z',
    '0001-01-01T00:00:00-12:00',
  ])('accepts %s', (text) => {
    expect(isTimestamp(text)).toBe(true);
  });

  it.each([
    ['a leap second', '2026-01-01T23:59:60Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['an offset without minutes', '2026-01-01T00:00:00+03'],
    ['an offset PostgreSQL refuses', '2026-01-01T00:00:00+16:00'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['a day that does not exist', '2026-02-29T00:00:00Z'],
    ['no offset', '2026-01-01T00:00:00'],
    ['a space for T', '2026-01-01 00:00:00Z'],
    ['a date only', '2026-01-01'],
    ['more than nanoseconds', '2026-01-01T00:00:00.1234567890Z'],
    ['an instant in year 10000 once in UTC', '9999-12-31T23:59:59-12:00'],
    ['an instant in year 0 once in UTC', '0001-01-01T00:00:00+01:00'],
  ])('refuses %s', (_label, text) => {
    expect(isTimestamp(text)).toBe(false);
  });
});

describe('isCalendarDate', () => {
  it.each(['2024-02-29', '0001-01-01', '9999-12-31'])('accepts %s', (text) => {
    expect(isCalendarDate(text)).toBe(true);
  });
  it.each(['2026-02-29', '0000-01-01', '2026-13-01', '2026-00-10', '2026-1-1', '+02026-01-01', '2026-01-01T00:00:00Z'])(
    'refuses %s',
    (text) => {
      expect(isCalendarDate(text)).toBe(false);
    },
  );
});

describe('findUnsafeText', () => {
  it('finds U+0000 and unpaired surrogates in values and keys, as a JSON Pointer', () => {
    expect(findUnsafeText({ a: 'ok', b: ['fine', { 'c/~': 'x\u0000' }] })).toBe('/b/1/c~1~0');
    expect(findUnsafeText({ list: ['\ud800'] })).toBe('/list/0');
    expect(findUnsafeText({ a: { 'k\udc00': 1 } })).toBe('/a/k\ufffd');
    expect(findUnsafeText('\u0000')).toBe('');
  });

  it('accepts well-formed text, emoji (surrogate pairs) included', () => {
    expect(findUnsafeText({ a: 'Pão 🍞', b: [1, null, true, { c: 'São Paulo' }] })).toBeUndefined();
  });

  it('walks deep nesting without overflowing the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    expect(findUnsafeText(deep)).toBe(`${'/0'.repeat(100_000)}`);
  });
});

describe('jsonShapeExcess', () => {
  it('lets ordinary bodies through, brackets and commas inside strings included', () => {
    expect(jsonShapeExcess(JSON.stringify({ a: [1, 2, { b: 'c,]}[{"\\' }], d: '\\' }))).toBeUndefined();
  });

  it('refuses nesting deeper than the bound', () => {
    expect(jsonShapeExcess(`${'['.repeat(JSON_DEPTH_MAX)}${']'.repeat(JSON_DEPTH_MAX)}`)).toBeUndefined();
    expect(jsonShapeExcess(`${'['.repeat(JSON_DEPTH_MAX + 1)}${']'.repeat(JSON_DEPTH_MAX + 1)}`)).toBe('depth');
  });

  it('refuses more values than the bound', () => {
    expect(jsonShapeExcess(JSON.stringify(Array(JSON_VALUES_MAX - 1).fill(0)))).toBeUndefined();
    expect(jsonShapeExcess(JSON.stringify(Array(JSON_VALUES_MAX + 1).fill(0)))).toBe('values');
  });
});
