import { describe, expect, it } from 'vitest';
import { FILE_NAME_LENGTH_MAX } from './imports.schemas.js';
import { cleanFileName } from './imports.service.js';

describe('cleanFileName', () => {
  it('drops control, C1, zero-width and bidi-override characters, so the name reads as it is', () => {
    expect(cleanFileName('extrato\u202Etxt.exe')).toBe('extratotxt.exe');
    expect(cleanFileName('ex\u0085tra\u200Bto\u0000 nov.ofx')).toBe('extrato nov.ofx');
    expect(cleanFileName(' \t\n ')).toBeNull();
    expect(cleanFileName(null)).toBeNull();
  });

  it('keeps at most FILE_NAME_LENGTH_MAX characters, never half of one', () => {
    const name = `${'🍞'.repeat(FILE_NAME_LENGTH_MAX)}.csv`;
    const cleaned = cleanFileName(name) ?? '';
    expect([...cleaned]).toHaveLength(FILE_NAME_LENGTH_MAX);
    expect(cleaned.isWellFormed()).toBe(true);
  });
});
