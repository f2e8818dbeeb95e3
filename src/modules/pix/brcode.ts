/**
 * The Pix BR Code (Pix Copia e Cola and the QR's text), after the Banco Central's
 * "Manual de Padrões para Iniciação do Pix" and EMV® QRCPS-MPM: a list of TLV fields
 * (two-digit ID, two-digit length, value), some of which are templates holding TLVs of
 * their own, ending with a CRC-16/CCITT-FALSE. Pure functions, no I/O.
 */
import { assert } from '../../lib/assert.js';
import { AMOUNT_MAX_CENTS, formatDecimal, parseDecimal } from '../../lib/money.js';
import { crc16Hex } from './crc16.js';
import { type PixKeyType, validateNormalizedKey } from './pix-keys.js';
import { toPlainAscii } from './text.js';

export const PIX_GUI = 'br.gov.bcb.pix';
export const PAYLOAD_FORMAT_INDICATOR = '01';
export const CURRENCY_BRL = '986';
export const COUNTRY_BR = 'BR';
export const MERCHANT_CATEGORY_CODE_NONE = '0000';
/** The txid of a code that identifies no particular charge. */
export const TXID_NONE = '***';
export const NAME_LENGTH_MAX = 25;
export const CITY_LENGTH_MAX = 15;
export const TXID_LENGTH_MAX = 25;
export const URL_LENGTH_MAX = 77;
export const POSTAL_CODE_LENGTH_MAX = 10;
/** A TLV length has two digits. */
export const FIELD_VALUE_LENGTH_MAX = 99;
/** EMV's limit for a whole payload. */
export const PAYLOAD_LENGTH_MAX = 512;

const ID = {
  payloadFormat: '00',
  pointOfInitiation: '01',
  pixAccount: '26',
  merchantCategoryCode: '52',
  currency: '53',
  amount: '54',
  country: '58',
  name: '59',
  city: '60',
  postalCode: '61',
  additionalData: '62',
  crc: '63',
} as const;
const PIX_ACCOUNT = { gui: '00', key: '01', description: '02', url: '25' } as const;
const ADDITIONAL_DATA = { txid: '05' } as const;
const CRC_FIELD_PREFIX = `${ID.crc}04`;
const CRC_LENGTH = 4;

export const POINT_OF_INITIATION = { reusable: '11', single_use: '12' } as const;
export type PointOfInitiation = keyof typeof POINT_OF_INITIATION;

const TXID = /^[A-Za-z0-9]{1,25}$/;
const POSTAL_CODE = /^\d{8}$/;
const FOUR_DIGITS = /^\d{4}$/;

/** IDs whose value is itself a list of TLVs: merchant accounts, additional data, language, unreserved. */
function isTemplate(id: string): boolean {
  const number = Number(id);
  return (number >= 26 && number <= 51) || number === 62 || number === 64 || number >= 80;
}

// Encoding ---------------------------------------------------------------------------

export interface BrCodeInput {
  /** Static code: the receiver's Pix key, normalised (see validatePixKey). */
  key?: string | null;
  /** Dynamic code: the payload location, without "https://". */
  url?: string | null;
  amountCents?: number | null;
  name: string;
  city: string;
  postalCode?: string | null;
  /** 1–25 letters and digits; none writes "***". */
  txid?: string | null;
  description?: string | null;
  pointOfInitiation?: PointOfInitiation | null;
  merchantCategoryCode?: string | null;
}

export type EncodeErrorCode = 'required' | 'too_long' | 'invalid' | 'unsupported_characters' | 'conflict';
export interface EncodeError {
  field: keyof BrCodeInput;
  code: EncodeErrorCode;
  message: string;
}
export type EncodeResult = { ok: true; payload: string } | { ok: false; errors: EncodeError[] };

export interface EncodeOptions {
  /** Cut an over-long name, city or description to fit instead of refusing it. */
  truncate?: boolean;
}

function tlv(id: string, value: string): string {
  assert(value.length <= FIELD_VALUE_LENGTH_MAX, `BR Code field ${id} is longer than ${FIELD_VALUE_LENGTH_MAX}`);
  return `${id}${value.length.toString().padStart(2, '0')}${value}`;
}

/** Reduces a text field to ASCII and checks (or cuts) its length. */
function plainField(
  field: 'name' | 'city' | 'description',
  value: string,
  lengthMax: number,
  options: EncodeOptions,
  errors: EncodeError[],
): string {
  const ascii = toPlainAscii(value);
  if (!ascii.ok) {
    errors.push({
      field,
      code: 'unsupported_characters',
      message: `${field} has characters with no plain-ASCII spelling: ${ascii.unsupported.join(' ')}`,
    });
    return '';
  }
  if (ascii.text.length > lengthMax) {
    if (options.truncate) return ascii.text.slice(0, lengthMax).trimEnd();
    errors.push({ field, code: 'too_long', message: `${field} has ${ascii.text.length} characters; at most ${lengthMax} fit` });
  }
  return ascii.text;
}

function pixAccountTemplate(input: BrCodeInput, options: EncodeOptions, errors: EncodeError[]): string {
  const key = input.key ?? null;
  const url = input.url ?? null;
  if (key !== null && url !== null) {
    errors.push({ field: 'url', code: 'conflict', message: 'a code has either a key (static) or a URL (dynamic), not both' });
  }
  if (key === null && url === null) errors.push({ field: 'key', code: 'required', message: 'a key or a URL is required' });
  let fields = tlv(PIX_ACCOUNT.gui, PIX_GUI);
  if (key !== null) {
    const checked = validateNormalizedKey(key);
    if (!checked.valid) errors.push({ field: 'key', code: 'invalid', message: `not a normalised Pix key (${checked.reason})` });
    else fields += tlv(PIX_ACCOUNT.key, key);
  }
  if (url !== null && key === null) {
    if (url.length === 0 || url.length > URL_LENGTH_MAX || !/^[\x21-\x7e]+$/.test(url) || /^https?:/i.test(url)) {
      errors.push({
        field: 'url',
        code: 'invalid',
        message: `the URL must be 1 to ${URL_LENGTH_MAX} characters, without https://`,
      });
    } else {
      fields += tlv(PIX_ACCOUNT.url, url);
    }
  }
  const description = input.description ?? null;
  if (description !== null) {
    // The whole template (GUI, key, description) must fit one two-digit length.
    const room = FIELD_VALUE_LENGTH_MAX - fields.length - 4;
    const text = plainField('description', description, Math.max(room, 0), options, errors);
    if (text.length > 0) fields += tlv(PIX_ACCOUNT.description, text);
  }
  return fields.length <= FIELD_VALUE_LENGTH_MAX ? fields : '';
}

function amountField(amountCents: number | null | undefined, errors: EncodeError[]): string {
  if (amountCents === null || amountCents === undefined) return '';
  if (!Number.isSafeInteger(amountCents) || amountCents < 1 || amountCents > AMOUNT_MAX_CENTS) {
    errors.push({ field: 'amountCents', code: 'invalid', message: `the amount must be 1 to ${AMOUNT_MAX_CENTS} centavos` });
    return '';
  }
  return tlv(ID.amount, formatDecimal(amountCents));
}

function txidValue(txid: string | null | undefined, errors: EncodeError[]): string {
  if (txid === null || txid === undefined || txid === TXID_NONE) return TXID_NONE;
  if (!TXID.test(txid)) {
    errors.push({ field: 'txid', code: 'invalid', message: `the txid must be 1 to ${TXID_LENGTH_MAX} letters and digits` });
  }
  return txid;
}

function postalCodeField(postalCode: string | null | undefined, errors: EncodeError[]): string {
  if (postalCode === null || postalCode === undefined) return '';
  const digits = postalCode.replace('-', '');
  if (!POSTAL_CODE.test(digits)) {
    errors.push({ field: 'postalCode', code: 'invalid', message: 'the CEP must have 8 digits' });
    return '';
  }
  return tlv(ID.postalCode, digits);
}

/**
 * Writes a BR Code. Names, cities and descriptions are reduced to plain ASCII; a value
 * too long for its field is an error unless `truncate` is set. Fields go in the order
 * the manual's examples use; the CRC covers everything before it, "6304" included.
 */
export function encodeBrCode(input: BrCodeInput, options: EncodeOptions = {}): EncodeResult {
  const errors: EncodeError[] = [];
  const account = pixAccountTemplate(input, options, errors);
  const name = plainField('name', input.name, NAME_LENGTH_MAX, options, errors);
  const city = plainField('city', input.city, CITY_LENGTH_MAX, options, errors);
  if (name.length === 0 && !errors.some((error) => error.field === 'name'))
    errors.push({ field: 'name', code: 'required', message: 'the name is required' });
  if (city.length === 0 && !errors.some((error) => error.field === 'city'))
    errors.push({ field: 'city', code: 'required', message: 'the city is required' });
  const amount = amountField(input.amountCents, errors);
  const txid = txidValue(input.txid, errors);
  const postalCode = postalCodeField(input.postalCode, errors);
  const categoryCode = input.merchantCategoryCode ?? MERCHANT_CATEGORY_CODE_NONE;
  if (!FOUR_DIGITS.test(categoryCode)) {
    errors.push({ field: 'merchantCategoryCode', code: 'invalid', message: 'the merchant category code has 4 digits' });
  }
  if (errors.length > 0) return { ok: false, errors };

  const initiation = input.pointOfInitiation ? tlv(ID.pointOfInitiation, POINT_OF_INITIATION[input.pointOfInitiation]) : '';
  const body = [
    tlv(ID.payloadFormat, PAYLOAD_FORMAT_INDICATOR),
    initiation,
    tlv(ID.pixAccount, account),
    tlv(ID.merchantCategoryCode, categoryCode),
    tlv(ID.currency, CURRENCY_BRL),
    amount,
    tlv(ID.country, COUNTRY_BR),
    tlv(ID.name, name),
    tlv(ID.city, city),
    postalCode,
    tlv(ID.additionalData, tlv(ADDITIONAL_DATA.txid, txid)),
    CRC_FIELD_PREFIX,
  ].join('');
  const payload = body + crc16Hex(body);
  assert(payload.length <= PAYLOAD_LENGTH_MAX, 'BR Code longer than EMV allows');
  return { ok: true, payload };
}

// Parsing ----------------------------------------------------------------------------

export interface TlvField {
  id: string;
  value: string;
  /** The nested fields of a top-level template (26–51, 62, 64, 80–99). */
  fields?: TlvField[];
}

export type BrCodeErrorCode =
  | 'empty'
  | 'too_long'
  | 'malformed'
  | 'length_mismatch'
  | 'duplicate_field'
  | 'missing_field'
  | 'invalid_value'
  | 'field_order'
  | 'crc_mismatch';

export interface BrCodeError {
  code: BrCodeErrorCode;
  /** The field, as its ID or a path of IDs ("26.01"). */
  id?: string;
  message: string;
  expected?: string;
  found?: string;
}

export interface BrCode {
  type: 'static' | 'dynamic';
  pointOfInitiation: PointOfInitiation | null;
  key: string | null;
  keyType: PixKeyType | null;
  url: string | null;
  description: string | null;
  amountCents: number | null;
  merchantCategoryCode: string;
  name: string;
  city: string;
  postalCode: string | null;
  /** null when the code carries "***" (no txid). */
  txid: string | null;
  crc: string;
  /** Fields this parser does not interpret, kept as found (IDs as paths: "80", "26.03"). */
  unknownFields: Array<{ id: string; value: string }>;
  fields: TlvField[];
}

export type ParseResult = { ok: true; code: BrCode } | { ok: false; errors: BrCodeError[] };

function path(prefix: string, id: string): string {
  return prefix ? `${prefix}.${id}` : id;
}

/** Splits characters into TLV fields, descending into templates; stops at the first structural fault. */
function readFields(characters: readonly string[], prefix: string, errors: BrCodeError[]): TlvField[] {
  const fields: TlvField[] = [];
  let index = 0;
  while (index < characters.length) {
    const id = characters.slice(index, index + 2).join('');
    const length = characters.slice(index + 2, index + 4).join('');
    if (!/^\d{2}$/.test(id) || !/^\d{2}$/.test(length)) {
      errors.push({
        code: 'malformed',
        ...(prefix ? { id: prefix } : {}),
        message: `at character ${index + 1}${prefix ? ` of ${prefix}` : ''}: expected a 2-digit ID and a 2-digit length`,
        found: characters.slice(index, index + 4).join(''),
      });
      break;
    }
    const declared = Number(length);
    const available = characters.length - index - 4;
    if (declared > available) {
      errors.push({
        code: 'length_mismatch',
        id: path(prefix, id),
        message: `field ${path(prefix, id)} declares ${declared} characters but only ${available} follow`,
        expected: String(declared),
        found: String(available),
      });
      break;
    }
    const valueCharacters = characters.slice(index + 4, index + 4 + declared);
    const field: TlvField = { id, value: valueCharacters.join('') };
    // Only top-level templates are read into fields; deeper values are kept as text.
    if (prefix === '' && isTemplate(id)) field.fields = readFields(valueCharacters, id, errors);
    fields.push(field);
    index += 4 + declared;
  }
  return fields;
}

function checkDuplicates(fields: readonly TlvField[], prefix: string, errors: BrCodeError[]): void {
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.id)) {
      errors.push({
        code: 'duplicate_field',
        id: path(prefix, field.id),
        message: `field ${path(prefix, field.id)} appears twice`,
      });
    }
    seen.add(field.id);
    if (field.fields) checkDuplicates(field.fields, path(prefix, field.id), errors);
  }
}

function checkCrc(payload: string, errors: BrCodeError[]): string {
  const crcStart = payload.length - CRC_LENGTH;
  if (payload.slice(crcStart - CRC_FIELD_PREFIX.length, crcStart) !== CRC_FIELD_PREFIX) {
    errors.push({ code: 'missing_field', id: ID.crc, message: 'the code must end with the CRC field: 6304 and 4 hex digits' });
    return '';
  }
  const found = payload.slice(crcStart);
  const expected = crc16Hex(payload.slice(0, crcStart));
  if (found !== expected) {
    errors.push({
      code: 'crc_mismatch',
      id: ID.crc,
      message: `the CRC is ${found} but the code's content gives ${expected}`,
      expected,
      found,
    });
  }
  return found;
}

class FieldReader {
  constructor(
    private readonly fields: readonly TlvField[],
    private readonly prefix: string,
    private readonly errors: BrCodeError[],
  ) {}

  optional(id: string): string | null {
    return this.fields.find((field) => field.id === id)?.value ?? null;
  }

  required(id: string, name: string): string {
    const value = this.optional(id);
    if (value === null)
      this.errors.push({
        code: 'missing_field',
        id: path(this.prefix, id),
        message: `the ${name} (${path(this.prefix, id)}) is missing`,
      });
    return value ?? '';
  }

  /** A required field that must hold exactly one value. */
  exactly(id: string, name: string, expected: string, ignoreCase = false): void {
    const value = this.optional(id);
    if (value === null) {
      this.required(id, name);
      return;
    }
    if (ignoreCase ? value.toLowerCase() !== expected : value !== expected)
      this.invalid(id, `the ${name} must be ${expected}`, expected, value);
  }

  invalid(id: string, message: string, expected?: string, found?: string): void {
    this.errors.push({
      code: 'invalid_value',
      id: path(this.prefix, id),
      message: `${path(this.prefix, id)}: ${message}`,
      ...(expected === undefined ? {} : { expected }),
      ...(found === undefined ? {} : { found }),
    });
  }

  lengthAtMost(id: string, value: string, name: string, lengthMax: number): void {
    const length = [...value].length;
    if (length === 0 || length > lengthMax)
      this.invalid(id, `the ${name} must have 1 to ${lengthMax} characters`, undefined, String(length));
  }
}

// The Pix account is known by its GUI, not by its ID, so 26 is not in this list.
const KNOWN_TOP_LEVEL: ReadonlySet<string> = new Set(Object.values(ID).filter((id) => id !== ID.pixAccount));

function isPixAccount(field: TlvField): boolean {
  const number = Number(field.id);
  const gui = field.fields?.find((child) => child.id === PIX_ACCOUNT.gui)?.value;
  return number >= 26 && number <= 51 && gui?.toLowerCase() === PIX_GUI;
}

interface PixAccount {
  key: string | null;
  keyType: PixKeyType | null;
  url: string | null;
  description: string | null;
}

function readPixAccount(account: TlvField, errors: BrCodeError[], unknown: BrCode['unknownFields']): PixAccount {
  const children = account.fields ?? [];
  const reader = new FieldReader(children, account.id, errors);
  const key = reader.optional(PIX_ACCOUNT.key);
  const url = reader.optional(PIX_ACCOUNT.url);
  const description = reader.optional(PIX_ACCOUNT.description);
  let keyType: PixKeyType | null = null;
  if (key !== null && url !== null) reader.invalid(PIX_ACCOUNT.url, 'a code has either a key (01) or a URL (25), not both');
  if (key === null && url === null) reader.required(PIX_ACCOUNT.key, 'Pix key');
  if (key !== null) {
    const checked = validateNormalizedKey(key);
    if (checked.valid) keyType = checked.type;
    else reader.invalid(PIX_ACCOUNT.key, `not a valid Pix key (${checked.reason})`, undefined, key);
  }
  if (url !== null) reader.lengthAtMost(PIX_ACCOUNT.url, url, 'URL', URL_LENGTH_MAX);
  for (const child of children) {
    if (!Object.values(PIX_ACCOUNT).includes(child.id as never))
      unknown.push({ id: path(account.id, child.id), value: child.value });
  }
  return { key, keyType, url, description };
}

function readAmount(reader: FieldReader): number | null {
  const text = reader.optional(ID.amount);
  if (text === null) return null;
  const amount = parseDecimal(text);
  if (!amount.ok || amount.cents < 1) {
    reader.invalid(
      ID.amount,
      `the amount must be a decimal with a dot, from 0.01 to ${formatDecimal(AMOUNT_MAX_CENTS)}`,
      undefined,
      text,
    );
    return null;
  }
  return amount.cents;
}

function readPointOfInitiation(reader: FieldReader): PointOfInitiation | null {
  const value = reader.optional(ID.pointOfInitiation);
  if (value === null) return null;
  if (value === POINT_OF_INITIATION.reusable) return 'reusable';
  if (value === POINT_OF_INITIATION.single_use) return 'single_use';
  reader.invalid(ID.pointOfInitiation, 'the point of initiation must be 11 or 12', '11 or 12', value);
  return null;
}

function readTxid(fields: readonly TlvField[], errors: BrCodeError[], unknown: BrCode['unknownFields']): string | null {
  const additional = fields.find((field) => field.id === ID.additionalData);
  if (!additional) {
    errors.push({ code: 'missing_field', id: ID.additionalData, message: 'the additional data (62) with the txid is missing' });
    return null;
  }
  const children = additional.fields ?? [];
  const reader = new FieldReader(children, ID.additionalData, errors);
  const txid = reader.required(ADDITIONAL_DATA.txid, 'txid');
  if (reader.optional(ADDITIONAL_DATA.txid) !== null && txid !== TXID_NONE && !TXID.test(txid)) {
    reader.invalid(ADDITIONAL_DATA.txid, `the txid must be *** or 1 to ${TXID_LENGTH_MAX} letters and digits`, undefined, txid);
  }
  for (const child of children) {
    if (child.id !== ADDITIONAL_DATA.txid) unknown.push({ id: path(ID.additionalData, child.id), value: child.value });
  }
  return txid === TXID_NONE || txid === '' ? null : txid;
}

/** Checks the fields of a structurally sound code and extracts what they mean. */
function interpret(fields: TlvField[], crc: string, errors: BrCodeError[]): BrCode {
  const reader = new FieldReader(fields, '', errors);
  const unknownFields: BrCode['unknownFields'] = [];
  if (fields[0]?.id !== ID.payloadFormat) {
    errors.push({ code: 'field_order', id: ID.payloadFormat, message: 'the code must start with the payload format (00)' });
  }
  const last = fields.at(-1);
  if (last?.id !== ID.crc) errors.push({ code: 'field_order', id: ID.crc, message: 'the CRC (63) must be the last field' });
  // 6308 6304ABCD ends with what a CRC field looks like, but its field holds 8 characters.
  else if (last.value.length !== CRC_LENGTH)
    reader.invalid(ID.crc, `the CRC has ${CRC_LENGTH} hex digits`, undefined, last.value);
  reader.exactly(ID.payloadFormat, 'payload format indicator', PAYLOAD_FORMAT_INDICATOR);
  const pointOfInitiation = readPointOfInitiation(reader);

  const accounts = fields.filter(isPixAccount);
  let account: PixAccount = { key: null, keyType: null, url: null, description: null };
  if (accounts[0]) account = readPixAccount(accounts[0], errors, unknownFields);
  else errors.push({ code: 'missing_field', id: ID.pixAccount, message: `no merchant account (26) with the GUI ${PIX_GUI}` });

  const merchantCategoryCode = reader.required(ID.merchantCategoryCode, 'merchant category code');
  if (merchantCategoryCode && !FOUR_DIGITS.test(merchantCategoryCode)) {
    reader.invalid(ID.merchantCategoryCode, 'the merchant category code has 4 digits', undefined, merchantCategoryCode);
  }
  reader.exactly(ID.currency, 'currency', CURRENCY_BRL);
  const amountCents = readAmount(reader);
  reader.exactly(ID.country, 'country code', COUNTRY_BR);
  // Present but empty (5900) is as wrong as too long: a payment needs someone to name.
  const name = reader.required(ID.name, 'receiver name');
  if (reader.optional(ID.name) !== null) reader.lengthAtMost(ID.name, name, 'receiver name', NAME_LENGTH_MAX);
  const city = reader.required(ID.city, 'receiver city');
  if (reader.optional(ID.city) !== null) reader.lengthAtMost(ID.city, city, 'receiver city', CITY_LENGTH_MAX);
  const postalCode = reader.optional(ID.postalCode);
  if (postalCode !== null) reader.lengthAtMost(ID.postalCode, postalCode, 'postal code', POSTAL_CODE_LENGTH_MAX);
  const txid = readTxid(fields, errors, unknownFields);

  for (const field of fields) {
    if (!(KNOWN_TOP_LEVEL.has(field.id) || field === accounts[0])) unknownFields.push({ id: field.id, value: field.value });
  }
  return {
    type: account.url !== null ? 'dynamic' : 'static',
    pointOfInitiation,
    ...account,
    amountCents,
    merchantCategoryCode,
    name,
    city,
    postalCode,
    txid,
    crc,
    unknownFields,
    fields,
  };
}

/**
 * Reads and checks any BR Code, static or dynamic: structure (IDs, lengths, nested
 * templates), required fields and allowed values, and the CRC. Returns what the code
 * says, or every error found. Surrounding white space (a pasted line break) is ignored.
 */
export function parseBrCode(input: string): ParseResult {
  const payload = input.trim();
  if (payload.length === 0) return { ok: false, errors: [{ code: 'empty', message: 'the code is empty' }] };
  const characters = [...payload];
  if (characters.length > PAYLOAD_LENGTH_MAX) {
    return {
      ok: false,
      errors: [
        { code: 'too_long', message: `a BR Code has at most ${PAYLOAD_LENGTH_MAX} characters`, found: String(characters.length) },
      ],
    };
  }
  const errors: BrCodeError[] = [];
  const fields = readFields(characters, '', errors);
  const crc = checkCrc(payload, errors);
  // After a structural fault the rest is unreadable; reporting missing fields would only add noise.
  if (errors.some((error) => error.code === 'malformed' || error.code === 'length_mismatch')) return { ok: false, errors };
  checkDuplicates(fields, '', errors);
  const code = interpret(fields, crc, errors);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, code };
}
