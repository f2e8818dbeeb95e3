import { describe, expect, it } from 'vitest';
import { formatAcceptedAt, formatVersionDate } from './dates';

describe('formatVersionDate', () => {
  it('writes the day out in the reader’s language, never the day before', () => {
    expect(formatVersionDate('2026-12-01', 'pt-BR')).toBe('1 de dezembro de 2026');
    expect(formatVersionDate('2026-12-01', 'en')).toBe('December 1, 2026');
  });

  it('leaves anything that is not a date as it is', () => {
    expect(formatVersionDate('v2', 'pt-BR')).toBe('v2');
  });
});

describe('formatAcceptedAt', () => {
  it('shows the instant on Brazil’s clock', () => {
    // 02:30 UTC on 2 December is still 1 December in São Paulo (UTC−3).
    expect(formatAcceptedAt('2026-12-02T02:30:00Z', 'pt-BR')).toMatch(/^1 de dezembro de 2026.*23:30$/);
  });
});
