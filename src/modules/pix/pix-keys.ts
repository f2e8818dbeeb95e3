/**
 * Pix keys (chaves Pix), as the Banco Central's directory (DICT) defines them: CPF,
 * CNPJ (numeric, and the alphanumeric form in force from July 2026), e-mail, Brazilian
 * mobile phone in E.164, and the random key (EVP, a UUID). Pure functions.
 */

export const PIX_KEY_TYPES = ['cpf', 'cnpj', 'email', 'phone', 'evp'] as const;
export type PixKeyType = (typeof PIX_KEY_TYPES)[number];

/** The DICT's limit for an e-mail key. */
export const EMAIL_KEY_LENGTH_MAX = 77;
/** No key, however formatted, is longer than this; longer input is refused unread. */
export const PIX_KEY_INPUT_LENGTH_MAX = 100;

export type PixKeyFailure =
  | 'empty'
  | 'too_long'
  | 'unrecognized'
  | 'check_digits'
  | 'repeated_digits'
  | 'invalid_format'
  | 'invalid_area_code'
  | 'not_mobile';

export type PixKeyResult =
  | { valid: true; type: PixKeyType; normalized: string }
  | { valid: false; type: PixKeyType | null; reason: PixKeyFailure };

const CPF = /^\d{11}$/;
const CNPJ = /^[0-9A-Z]{12}\d{2}$/;
const PHONE = /^\+55(\d{2})(\d{9})$/;
const EVP = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVP_ANY_CASE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Printable local part and a domain of dot-separated labels (letters, digits, inner hyphens).
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Brazil's telephone area codes (DDD) in use, as assigned by Anatel. */
const AREA_CODES: ReadonlySet<string> = new Set(
  [
    '11 12 13 14 15 16 17 18 19',
    '21 22 24 27 28',
    '31 32 33 34 35 37 38',
    '41 42 43 44 45 46 47 48 49',
    '51 53 54 55',
    '61 62 63 64 65 66 67 68 69',
    '71 73 74 75 77 79',
    '81 82 83 84 85 86 87 88 89',
    '91 92 93 94 95 96 97 98 99',
  ].flatMap((line) => line.split(' ')),
);

function allSame(text: string): boolean {
  return [...text].every((character) => character === text[0]);
}

/** Modulo-11 check digit over values with weights; remainders 0 and 1 give 0. */
function mod11CheckDigit(values: readonly number[], weights: readonly number[]): number {
  const sum = values.reduce((total, value, index) => total + value * (weights[index] ?? 0), 0);
  const remainder = sum % 11;
  return remainder < 2 ? 0 : 11 - remainder;
}

const CPF_WEIGHTS_FIRST = [10, 9, 8, 7, 6, 5, 4, 3, 2];
const CPF_WEIGHTS_SECOND = [11, 10, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_FIRST = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_SECOND = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

export function cpfIsValid(digits: string): PixKeyFailure | null {
  if (!CPF.test(digits)) return 'invalid_format';
  if (allSame(digits)) return 'repeated_digits';
  const values = [...digits].map(Number);
  const first = mod11CheckDigit(values.slice(0, 9), CPF_WEIGHTS_FIRST);
  const second = mod11CheckDigit([...values.slice(0, 9), first], CPF_WEIGHTS_SECOND);
  return values[9] === first && values[10] === second ? null : 'check_digits';
}

/**
 * The CNPJ: twelve characters [0-9A-Z] (digits only before July 2026), each valued as its
 * ASCII code minus 48, then two numeric check digits. Numeric CNPJs are the special case
 * where every character is a digit, so one rule validates both forms.
 */
export function cnpjIsValid(text: string): PixKeyFailure | null {
  if (!CNPJ.test(text)) return 'invalid_format';
  if (allSame(text)) return 'repeated_digits';
  const values = [...text].map((character) => character.charCodeAt(0) - 48);
  const first = mod11CheckDigit(values.slice(0, 12), CNPJ_WEIGHTS_FIRST);
  const second = mod11CheckDigit([...values.slice(0, 12), first], CNPJ_WEIGHTS_SECOND);
  return values[12] === first && values[13] === second ? null : 'check_digits';
}

function phoneIsValid(key: string): PixKeyFailure | null {
  const match = PHONE.exec(key);
  if (!match) return 'invalid_format';
  if (!AREA_CODES.has(match[1] ?? '')) return 'invalid_area_code';
  // Pix phone keys are mobile numbers, which have nine digits starting with 9.
  if (!(match[2] ?? '').startsWith('9')) return 'not_mobile';
  return null;
}

function emailIsValid(key: string): PixKeyFailure | null {
  if (key.length > EMAIL_KEY_LENGTH_MAX) return 'too_long';
  return EMAIL.test(key) ? null : 'invalid_format';
}

/** Checks a key already in its normalised form, of a known type. */
export function checkNormalizedKey(type: PixKeyType, key: string): PixKeyFailure | null {
  switch (type) {
    case 'cpf':
      return cpfIsValid(key);
    case 'cnpj':
      return cnpjIsValid(key);
    case 'phone':
      return phoneIsValid(key);
    case 'email':
      return emailIsValid(key);
    case 'evp':
      return EVP.test(key) ? null : 'invalid_format';
  }
}

/**
 * The type of a key written in its normalised form, as a BR Code carries it
 * ("52998224725", "+5511987654321", a lower-case UUID…), or null when it has none.
 */
export function normalizedKeyType(key: string): PixKeyType | null {
  if (key.includes('@')) return 'email';
  if (CPF.test(key)) return 'cpf';
  if (CNPJ.test(key)) return 'cnpj';
  if (key.startsWith('+')) return 'phone';
  if (EVP_ANY_CASE.test(key)) return 'evp';
  return null;
}

/** Validates a key in its normalised form (strict: no formatting accepted). */
export function validateNormalizedKey(key: string): PixKeyResult {
  const type = normalizedKeyType(key);
  if (type === null) return { valid: false, type: null, reason: 'unrecognized' };
  const failure = checkNormalizedKey(type, key);
  return failure === null ? { valid: true, type, normalized: key } : { valid: false, type, reason: failure };
}

/** What people type around the digits of a CPF, a CNPJ or a phone number. */
const DOCUMENT_PUNCTUATION = /[\s./-]/g;
const PHONE_PUNCTUATION = /[\s().-]/g;

/** A phone as typed ("(11) 98765-4321", "+55 11 98765 4321", "5511987654321") in E.164. */
function normalizePhone(input: string): string {
  const digits = input.replace(PHONE_PUNCTUATION, '');
  if (digits.startsWith('+')) return digits;
  if (/^55\d{11}$/.test(digits)) return `+${digits}`;
  return `+55${digits}`;
}

function normalizeAs(type: PixKeyType, input: string): string {
  switch (type) {
    case 'cpf':
      return input.replace(DOCUMENT_PUNCTUATION, '');
    case 'cnpj':
      return input.replace(DOCUMENT_PUNCTUATION, '').toUpperCase();
    case 'phone':
      return normalizePhone(input);
    case 'email':
    case 'evp':
      return input.toLowerCase();
  }
}

function result(type: PixKeyType, normalized: string): PixKeyResult {
  const failure = checkNormalizedKey(type, normalized);
  return failure === null ? { valid: true, type, normalized } : { valid: false, type, reason: failure };
}

/** Which type a key typed by a person most likely is, from its shape alone. */
function guessType(input: string): PixKeyType | null {
  if (input.includes('@')) return 'email';
  if (EVP_ANY_CASE.test(input)) return 'evp';
  if (input.startsWith('+') || input.includes('(')) return 'phone';
  const compact = input.replace(DOCUMENT_PUNCTUATION, '');
  if (CPF.test(compact)) return 'cpf';
  if (CNPJ.test(compact.toUpperCase())) return 'cnpj';
  if (/^(55)?\d{11}$/.test(compact)) return 'phone';
  return null;
}

/**
 * Validates a key as a person types it — formatted or not ("529.982.247-25",
 * "12.ABC.345/01DE-35", "(11) 98765-4321", "Maria@Example.com") — and returns the
 * normalised key. `type` says which kind of key it is; without it the type is detected.
 * Eleven bare digits are read as a CPF when its check digits hold and otherwise as a
 * mobile number when they make one ("11987654321"); pass `type` to decide it yourself.
 */
export function validatePixKey(input: string, type?: PixKeyType): PixKeyResult {
  const text = input.trim();
  if (text.length === 0) return { valid: false, type: type ?? null, reason: 'empty' };
  if (text.length > PIX_KEY_INPUT_LENGTH_MAX) return { valid: false, type: type ?? null, reason: 'too_long' };
  if (type !== undefined) return result(type, normalizeAs(type, text));
  const guessed = guessType(text);
  if (guessed === null) return { valid: false, type: null, reason: 'unrecognized' };
  const checked = result(guessed, normalizeAs(guessed, text));
  if (!checked.valid && guessed === 'cpf') {
    const asPhone = result('phone', normalizeAs('phone', text));
    if (asPhone.valid) return asPhone;
  }
  return checked;
}
