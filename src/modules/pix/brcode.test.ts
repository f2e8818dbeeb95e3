import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BrCodeInput, encodeBrCode, parseBrCode } from './brcode.js';
import { crc16Hex } from './crc16.js';

// The examples of the Banco Central's "Manual de Padrões para Iniciação do Pix".
const MANUAL_STATIC =
  '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';
const MANUAL_DYNAMIC =
  '00020101021226700014br.gov.bcb.pix2548pix.example.com/8b3da2f39a4140d1a91abd93113bd4415204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***630464E4';

// The test writes its own TLVs, so the parser is checked against more than the encoder.
function field(id: string, value: string): string {
  return `${id}${String(value.length).padStart(2, '0')}${value}`;
}
function withCrc(body: string): string {
  return `${body}6304${crc16Hex(`${body}6304`)}`;
}
const ACCOUNT = field('00', 'br.gov.bcb.pix') + field('01', '123e4567-e12b-12d1-a456-426655440000');
const ORDER = ['00', '01', '26', '52', '53', '54', '58', '59', '60', '61', '62'];
const DEFAULTS: Record<string, string> = {
  '00': '01',
  '26': ACCOUNT,
  '52': '0000',
  '53': '986',
  '58': 'BR',
  '59': 'Fulano de Tal',
  '60': 'BRASILIA',
  '62': field('05', '***'),
};
/** The manual's static example without its CRC, with fields changed (null removes one). */
function staticBody(overrides: Record<string, string | null> = {}): string {
  const values: Record<string, string | null> = { ...DEFAULTS, ...overrides };
  return ORDER.flatMap((id) => {
    const value = values[id];
    return value === null || value === undefined ? [] : [field(id, value)];
  }).join('');
}

function errorsOf(payload: string) {
  const result = parseBrCode(payload);
  if (result.ok) throw new Error(`expected errors for ${payload}`);
  return result.errors;
}

describe('the manual examples', () => {
  it('encodes the static example byte for byte', () => {
    expect(encodeBrCode({ key: '123e4567-e12b-12d1-a456-426655440000', name: 'Fulano de Tal', city: 'BRASILIA' })).toEqual({
      ok: true,
      payload: MANUAL_STATIC,
    });
  });

  it('encodes the dynamic example byte for byte', () => {
    expect(
      encodeBrCode({
        url: 'pix.example.com/8b3da2f39a4140d1a91abd93113bd441',
        name: 'Fulano de Tal',
        city: 'BRASILIA',
        pointOfInitiation: 'single_use',
      }),
    ).toEqual({ ok: true, payload: MANUAL_DYNAMIC });
  });

  it('parses the static example', () => {
    const result = parseBrCode(MANUAL_STATIC);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.code).toMatchObject({
      type: 'static',
      pointOfInitiation: null,
      key: '123e4567-e12b-12d1-a456-426655440000',
      keyType: 'evp',
      url: null,
      description: null,
      amountCents: null,
      merchantCategoryCode: '0000',
      name: 'Fulano de Tal',
      city: 'BRASILIA',
      postalCode: null,
      txid: null,
      crc: '1D3D',
      unknownFields: [],
    });
    expect(result.code.fields.map((item) => item.id)).toEqual(['00', '26', '52', '53', '58', '59', '60', '62', '63']);
  });

  it('parses the dynamic example', () => {
    const result = parseBrCode(MANUAL_DYNAMIC);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.code).toMatchObject({
      type: 'dynamic',
      pointOfInitiation: 'single_use',
      key: null,
      url: 'pix.example.com/8b3da2f39a4140d1a91abd93113bd441',
      name: 'Fulano de Tal',
      city: 'BRASILIA',
      txid: null,
      crc: '64E4',
    });
  });

  it('ignores white space around a pasted code', () => {
    expect(parseBrCode(`  ${MANUAL_STATIC}\r\n`).ok).toBe(true);
  });

  it.each([
    ['static', MANUAL_STATIC],
    ['dynamic', MANUAL_DYNAMIC],
  ])('refuses the %s example with any one character changed, removed or added', (_label, payload) => {
    const replacements = ['0', '1', '5', '9', 'A', 'F', 'a', 'z', '*', ' ', '.', '/', 'é'];
    for (let index = 0; index < payload.length; index += 1) {
      const original = payload[index] as string;
      for (const replacement of replacements) {
        if (replacement === original) continue;
        const changed = payload.slice(0, index) + replacement + payload.slice(index + 1);
        expect(parseBrCode(changed).ok, `${replacement} at ${index}`).toBe(false);
      }
      expect(parseBrCode(payload.slice(0, index) + payload.slice(index + 1)).ok, `removed at ${index}`).toBe(false);
      expect(parseBrCode(`${payload.slice(0, index)}7${payload.slice(index)}`).ok, `added at ${index}`).toBe(false);
    }
  });
});

describe('errors are precise', () => {
  it('crc_mismatch says what was expected and what was found', () => {
    expect(errorsOf(MANUAL_STATIC.replace(/1D3D$/, '1D3E'))).toEqual([
      expect.objectContaining({ code: 'crc_mismatch', id: '63', expected: '1D3D', found: '1D3E' }),
    ]);
    // A lower-case CRC is not the CRC the manual writes.
    expect(errorsOf(MANUAL_STATIC.replace(/1D3D$/, '1d3d'))[0]).toMatchObject({ code: 'crc_mismatch', found: '1d3d' });
  });

  it('a changed name is a crc_mismatch', () => {
    expect(errorsOf(MANUAL_STATIC.replace('Fulano', 'Fulana'))).toEqual([expect.objectContaining({ code: 'crc_mismatch' })]);
  });

  it('length_mismatch names the field whose length runs past the end', () => {
    const payload = withCrc(`${staticBody()}5930Fulano`);
    const errors = errorsOf(payload);
    expect(errors[0]).toMatchObject({ code: 'length_mismatch', id: '59', expected: '30' });
  });

  it('length_mismatch inside a template names the nested field', () => {
    const account = `0014br.gov.bcb.pix0199${'1'.repeat(10)}`;
    const payload = withCrc(staticBody({ '26': account }));
    expect(errorsOf(payload)).toContainEqual(expect.objectContaining({ code: 'length_mismatch', id: '26.01' }));
  });

  it('a missing CRC field is missing_field 63', () => {
    expect(errorsOf(staticBody())).toContainEqual(expect.objectContaining({ code: 'missing_field', id: '63' }));
  });

  it.each([
    ['52', 'missing_field', '52'],
    ['53', 'missing_field', '53'],
    ['58', 'missing_field', '58'],
    ['59', 'missing_field', '59'],
    ['60', 'missing_field', '60'],
    ['62', 'missing_field', '62'],
  ])('without field %s: %s at %s', (id, code, at) => {
    expect(errorsOf(withCrc(staticBody({ [id]: null })))).toContainEqual(expect.objectContaining({ code, id: at }));
  });

  it('without the txid: missing_field 62.05', () => {
    expect(errorsOf(withCrc(staticBody({ '62': field('50', 'x') })))).toContainEqual(
      expect.objectContaining({ code: 'missing_field', id: '62.05' }),
    );
  });

  it('an empty name, city or txid is invalid_value, not a code without them', () => {
    expect(errorsOf(withCrc(staticBody({ '59': '' })))).toEqual([expect.objectContaining({ code: 'invalid_value', id: '59' })]);
    expect(errorsOf(withCrc(staticBody({ '60': '' })))).toEqual([expect.objectContaining({ code: 'invalid_value', id: '60' })]);
    expect(errorsOf(withCrc(staticBody({ '62': field('05', '') })))).toEqual([
      expect.objectContaining({ code: 'invalid_value', id: '62.05' }),
    ]);
  });

  it('a CRC field longer than its 4 hex digits is invalid_value 63, even when the code ends like a CRC', () => {
    const body = `${staticBody()}6308`;
    const payload = `${body}6304${crc16Hex(`${body}6304`)}`;
    expect(errorsOf(payload)).toContainEqual(expect.objectContaining({ code: 'invalid_value', id: '63' }));
  });

  it('without a Pix merchant account: missing_field 26', () => {
    const other = field('26', field('00', 'com.example.card') + field('01', '123'));
    expect(errorsOf(withCrc(staticBody({ '26': other })))).toContainEqual(
      expect.objectContaining({ code: 'missing_field', id: '26' }),
    );
  });

  it('without key and URL: missing_field 26.01; with both: invalid_value', () => {
    expect(errorsOf(withCrc(staticBody({ '26': field('00', 'br.gov.bcb.pix') })))).toContainEqual(
      expect.objectContaining({ code: 'missing_field', id: '26.01' }),
    );
    const both = field('00', 'br.gov.bcb.pix') + field('01', '+5511987654321') + field('25', 'pix.example.com/x');
    expect(errorsOf(withCrc(staticBody({ '26': both })))).toContainEqual(
      expect.objectContaining({ code: 'invalid_value', id: '26.25' }),
    );
  });

  it.each([
    ['00', '02', '00'],
    ['01', '13', '01'],
    ['53', '840', '53'],
    ['58', 'US', '58'],
    ['52', '00A0', '52'],
    ['54', '10,00', '54'],
    ['54', '0.00', '54'],
    ['54', '1000000000.01', '54'],
    ['59', 'Fulano de Tal da Silva Sauro', '59'],
    ['60', 'Sao Jose dos Campos', '60'],
    ['62', field('05', 'tx-id'), '62.05'],
    ['62', field('05', 'A'.repeat(26)), '62.05'],
  ])('field %s = %s is invalid_value at %s', (id, value, at) => {
    expect(errorsOf(withCrc(staticBody({ [id]: value })))).toContainEqual(
      expect.objectContaining({ code: 'invalid_value', id: at }),
    );
  });

  it('an invalid Pix key is invalid_value at 26.01', () => {
    const account = field('00', 'br.gov.bcb.pix') + field('01', '12345678900');
    expect(errorsOf(withCrc(staticBody({ '26': account })))).toContainEqual(
      expect.objectContaining({ code: 'invalid_value', id: '26.01', found: '12345678900' }),
    );
  });

  it('a duplicated field is duplicate_field', () => {
    expect(errorsOf(withCrc(`${staticBody()}5802BR`))).toContainEqual(
      expect.objectContaining({ code: 'duplicate_field', id: '58' }),
    );
  });

  it('the code must start with 00 and end with 63', () => {
    const body = staticBody();
    const reordered = withCrc(body.slice(6) + body.slice(0, 6));
    expect(errorsOf(reordered)).toContainEqual(expect.objectContaining({ code: 'field_order', id: '00' }));
  });

  it('says what is wrong with text that is no BR Code at all', () => {
    expect(errorsOf('')).toEqual([expect.objectContaining({ code: 'empty' })]);
    expect(errorsOf('https://example.com')[0]).toMatchObject({ code: 'malformed' });
    expect(errorsOf('0'.repeat(513))).toEqual([expect.objectContaining({ code: 'too_long' })]);
  });
});

describe('what parsing accepts', () => {
  it('accepts the GUI in any case', () => {
    const account = field('00', 'BR.GOV.BCB.PIX') + field('01', '+5511987654321');
    const result = parseBrCode(withCrc(staticBody({ '26': account })));
    expect(result.ok && result.code.key).toBe('+5511987654321');
    expect(result.ok && result.code.keyType).toBe('phone');
  });

  it('keeps unknown fields, nested ones included, and finds Pix in another merchant account ID', () => {
    const account = field('27', field('00', 'br.gov.bcb.pix') + field('01', '52998224725') + field('03', 'FSS123'));
    const body = staticBody({
      '26': field('00', 'com.example.card') + field('01', '4111'),
      '62': field('05', 'ABC123') + field('50', 'xyz'),
    }).replace('52040000', `${account}52040000`);
    const result = parseBrCode(withCrc(`${body}${field('80', field('00', 'com.example') + field('01', 'extra'))}`));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.code.key).toBe('52998224725');
    expect(result.code.txid).toBe('ABC123');
    expect(result.code.unknownFields).toEqual([
      { id: '27.03', value: 'FSS123' },
      { id: '62.50', value: 'xyz' },
      { id: '26', value: '0016com.example.card01044111' },
      { id: '80', value: '0011com.example0105extra' },
    ]);
  });

  it('reads amounts with one or two decimals, or none', () => {
    for (const [text, cents] of [
      ['10', 1000],
      ['10.5', 1050],
      ['0.01', 1],
      ['1000000000.00', 100_000_000_000],
    ] as const) {
      const result = parseBrCode(withCrc(staticBody({ '54': text })));
      expect(result.ok && result.code.amountCents, text).toBe(cents);
    }
  });

  it('counts lengths in characters and the CRC over UTF-8 bytes', () => {
    const result = parseBrCode(withCrc(staticBody({ '59': 'José Conceição', '60': 'São Paulo' })));
    expect(result.ok && result.code.name).toBe('José Conceição');
    expect(result.ok && result.code.city).toBe('São Paulo');
  });
});

describe('encoding', () => {
  const base = { key: '+5511987654321', name: 'Maria', city: 'Sao Paulo' } satisfies BrCodeInput;

  it('writes the amount with a dot and two decimals, the txid, the CEP and the description', () => {
    const result = encodeBrCode({
      ...base,
      amountCents: 123_450,
      txid: 'PEDIDO42',
      postalCode: '01310-100',
      description: 'Bolo de cenoura',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.payload).toContain('54071234.50');
    expect(result.payload).toContain('0215Bolo de cenoura');
    expect(result.payload).toContain('610801310100');
    expect(result.payload).toContain('62120508PEDIDO42');
    expect(result.payload).toMatch(/6304[0-9A-F]{4}$/);
  });

  it('reduces names and cities to plain ASCII, keeping case', () => {
    const result = encodeBrCode({ ...base, name: 'João Conceição', city: 'São Paulo' });
    expect(result.ok && result.payload).toContain('5914Joao Conceicao6009Sao Paulo');
  });

  it('refuses over-long values unless asked to truncate', () => {
    const long = { ...base, name: 'Maria Aparecida dos Santos Oliveira', city: 'Sao Jose dos Campos' };
    const refused = encodeBrCode(long);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.errors.map((error) => [error.field, error.code])).toEqual([
      ['name', 'too_long'],
      ['city', 'too_long'],
    ]);
    const cut = encodeBrCode(long, { truncate: true });
    expect(cut.ok && cut.payload).toContain('5925Maria Aparecida dos Santo6015Sao Jose dos Ca');
  });

  it('keeps the merchant account within 99 characters: the description gets what is left', () => {
    const email = `${'a'.repeat(60)}@example.com`;
    const refused = encodeBrCode({ ...base, key: email, description: 'x'.repeat(30) });
    expect(!refused.ok && refused.errors[0]).toMatchObject({ field: 'description', code: 'too_long' });
    const cut = encodeBrCode({ ...base, key: email, description: 'x'.repeat(30) }, { truncate: true });
    expect(cut.ok).toBe(true);
    const parsed = cut.ok ? parseBrCode(cut.payload) : undefined;
    expect(parsed?.ok && parsed.code.description).toBe('x'.repeat(99 - 18 - 4 - email.length - 4));
  });

  it.each([
    [{ key: '529.982.247-25' }, 'key', 'invalid'],
    [{ key: null }, 'key', 'required'],
    [{ url: 'pix.example.com/x' }, 'url', 'conflict'],
    [{ amountCents: 0 }, 'amountCents', 'invalid'],
    [{ amountCents: 1.5 }, 'amountCents', 'invalid'],
    [{ amountCents: 100_000_000_001 }, 'amountCents', 'invalid'],
    [{ txid: 'tx-1' }, 'txid', 'invalid'],
    [{ txid: 'A'.repeat(26) }, 'txid', 'invalid'],
    [{ postalCode: '1234' }, 'postalCode', 'invalid'],
    [{ name: '  ' }, 'name', 'required'],
    [{ name: 'Café ☕' }, 'name', 'unsupported_characters'],
  ] as const)('refuses %j (%s: %s)', (change, fieldName, code) => {
    const result = encodeBrCode({ ...base, ...change });
    expect(!result.ok && result.errors).toContainEqual(expect.objectContaining({ field: fieldName, code }));
  });
});

// Generators of valid inputs --------------------------------------------------------

function mod11(values: number[], weights: number[]): number {
  const remainder = values.reduce((sum, value, index) => sum + value * (weights[index] ?? 0), 0) % 11;
  return remainder < 2 ? 0 : 11 - remainder;
}
const digit = fc.integer({ min: 0, max: 9 });
const cpf = fc
  .array(digit, { minLength: 9, maxLength: 9 })
  .filter((digits) => new Set(digits).size > 1)
  .map((digits) => {
    const first = mod11(digits, [10, 9, 8, 7, 6, 5, 4, 3, 2]);
    return [...digits, first, mod11([...digits, first], [11, 10, 9, 8, 7, 6, 5, 4, 3, 2])].join('');
  });
const cnpj = fc
  .array(fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'), { minLength: 12, maxLength: 12 })
  .filter((characters) => new Set(characters).size > 1)
  .map((characters) => {
    const values = characters.map((character) => character.charCodeAt(0) - 48);
    const first = mod11(values, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    return characters.join('') + first + mod11([...values, first], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
  });
const phone = fc
  .tuple(fc.constantFrom('11', '21', '31', '48', '61', '71', '85', '92'), fc.array(digit, { minLength: 8, maxLength: 8 }))
  .map(([areaCode, rest]) => `+55${areaCode}9${rest.join('')}`);
const email = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9._+-]{1,30}$/),
    fc.stringMatching(/^[a-z0-9]{1,20}$/),
    fc.constantFrom('com', 'com.br', 'org'),
  )
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
const key = fc.oneof(cpf, cnpj, phone, email, fc.uuid());
/** Words of printable ASCII separated by single spaces, as toPlainAscii leaves text. */
const words = (lengthMax: number) =>
  fc
    .array(fc.stringMatching(/^[!-~]{1,8}$/), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.join(' '))
    .filter((text) => text.length <= lengthMax);

const staticInput = fc.record({
  key,
  amountCents: fc.option(fc.integer({ min: 1, max: 100_000_000_000 }), { nil: null }),
  name: words(25),
  city: words(15),
  postalCode: fc.option(fc.stringMatching(/^\d{8}$/), { nil: null }),
  txid: fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,25}$/), { nil: null }),
  description: fc.option(words(20), { nil: null }),
  pointOfInitiation: fc.constantFrom('reusable' as const, 'single_use' as const, null),
  merchantCategoryCode: fc.stringMatching(/^\d{4}$/),
});

describe('properties', () => {
  it('parse(encode(x)) = x for random valid inputs', () => {
    fc.assert(
      fc.property(staticInput, (input) => {
        const encoded = encodeBrCode(input);
        if (!encoded.ok) throw new Error(JSON.stringify(encoded.errors));
        const parsed = parseBrCode(encoded.payload);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        const {
          key: parsedKey,
          amountCents,
          name,
          city,
          postalCode,
          txid,
          description,
          pointOfInitiation,
          merchantCategoryCode,
        } = parsed.code;
        expect({
          key: parsedKey,
          amountCents,
          name,
          city,
          postalCode,
          txid,
          description,
          pointOfInitiation,
          merchantCategoryCode,
        }).toEqual(input);
        expect(parsed.code.type).toBe('static');
      }),
      { numRuns: 300 },
    );
  });

  it('no random corruption of a valid code parses as valid', () => {
    const corruption = fc.oneof(
      fc.record({
        kind: fc.constant('substitute' as const),
        at: fc.nat(),
        character: fc.constantFrom(...'0123456789ABCDEFabcdef *.@+-/é'),
      }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), character: fc.constantFrom(...'0123456789Aa *.') }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(staticInput, corruption, (input, change) => {
        const encoded = encodeBrCode(input);
        if (!encoded.ok) throw new Error(JSON.stringify(encoded.errors));
        const payload = encoded.payload;
        const at = change.at % payload.length;
        let corrupted = payload;
        if (change.kind === 'substitute') corrupted = payload.slice(0, at) + change.character + payload.slice(at + 1);
        if (change.kind === 'insert') corrupted = payload.slice(0, at) + change.character + payload.slice(at);
        if (change.kind === 'delete') corrupted = payload.slice(0, at) + payload.slice(at + 1);
        if (change.kind === 'swap' && at + 1 < payload.length)
          corrupted = payload.slice(0, at) + payload[at + 1] + payload[at] + payload.slice(at + 2);
        // White space around a pasted code is ignored on purpose: that is no corruption.
        fc.pre(corrupted.trim() !== payload);
        expect(parseBrCode(corrupted).ok).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });
});
