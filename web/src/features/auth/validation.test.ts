import { describe, expect, it } from 'vitest';
import { fieldMessageKey } from '../../i18n/problems';
import { validateNewPassword } from './validation';

describe('new password checks in the browser', () => {
  it('refuses a password of only whitespace before sending it', () => {
    expect(validateNewPassword(' '.repeat(12))).toBe('auth.validation.passwordBlank');
    expect(validateNewPassword('\t'.repeat(10))).toBe('auth.validation.passwordBlank');
    expect(validateNewPassword('  senha boa longa  ')).toBeNull();
  });

  it("shows the server's reasons for a refused password in the person's language", () => {
    expect(fieldMessageKey({ field: 'password', code: 'password_common', message: '' })).toBe('auth.validation.passwordCommon');
    expect(fieldMessageKey({ field: 'password', code: 'password_blank', message: '' })).toBe('auth.validation.passwordBlank');
  });
});
