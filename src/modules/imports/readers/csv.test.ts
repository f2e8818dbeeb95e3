import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CsvMapping, StatementUnreadable } from '../statement.js';
import { checkMapping } from './csv.js';
import { CSV_PRESETS, detectCsvPreset, readStatement } from './index.js';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../../../test/fixtures/imports/${name}`, import.meta.url));
}

function unreadable(read: () => unknown): StatementUnreadable {
  try {
    read();
  } catch (error) {
    if (error instanceof StatementUnreadable) return error;
    throw error;
  }
  throw new Error('expected StatementUnreadable');
}

const brief = (bytes: Buffer, options?: Parameters<typeof readStatement>[1]) =>
  readStatement(bytes, options).lines.map((line) => [line.line, line.occurredOn, line.amountCents, line.description]);

describe('CSV presets, each recognised by its header and read', () => {
  it.each([
    [
      'nubank-card.csv',
      'nubank_card',
      0,
      [
        [2, '2026-11-02', -1250, 'Padaria Pão Quente'],
        [3, '2026-11-03', -8990, 'Loja Três Irmãos - Parcela 2/6'],
        [4, '2026-11-05', 50000, 'Pagamento recebido'],
        [5, '2026-11-06', -4500, 'Restaurante "Bom Prato", Centro'],
      ],
    ],
    [
      'nubank-account.csv',
      'nubank_account',
      0,
      [
        [2, '2026-11-01', -1250, 'Compra no débito - Padaria Pão Quente'],
        [3, '2026-11-02', 250000, 'Transferência recebida pelo Pix - MARIA EXEMPLO - •••.123.456-••'],
        [4, '2026-11-03', -123456, 'Pagamento de boleto efetuado - Condomínio Ed. Exemplo, apto 12'],
      ],
    ],
    [
      'inter.csv',
      'inter',
      5,
      [
        [7, '2026-11-03', -123456, 'Pix enviado - Açougue do Zé'],
        [8, '2026-11-04', 200000, 'Pix recebido - Maria Exemplo'],
        [9, '2026-11-05', -750, 'Compra no débito - Padaria Pão Quente'],
      ],
    ],
    [
      'itau.csv',
      'itau',
      0,
      [
        [3, '2026-11-03', -15000, 'PIX TRANSF JOSÉ EX03/11'],
        [5, '2026-11-04', 120000, 'TED 999.0001.FULANO'],
      ],
    ],
    [
      'bradesco.csv',
      'bradesco',
      1,
      [
        [4, '2026-11-03', -25000, 'Pagto Eletron Cobranca'],
        [6, '2026-11-05', 310050, 'Transf Saldo C/sal P/cc'],
      ],
    ],
    [
      'banco-do-brasil.csv',
      'banco_do_brasil',
      0,
      [
        [3, '2026-11-03', -8000, 'Pix - Enviado - 03/11 10:15 Açougue do Zé'],
        [4, '2026-11-04', 150000, 'Pix - Recebido - 04/11 09:00 Maria Exemplo'],
        [5, '2026-11-04', -3290, 'Tarifa Pacote de Serviços'],
      ],
    ],
    [
      'caixa.csv',
      'caixa',
      0,
      [
        [2, '2026-11-02', -20000, 'SAQUE ATM'],
        [3, '2026-11-03', 150050, 'CRED PIX'],
        [4, '2026-11-04', -3500, 'ENVIO PIX'],
      ],
    ],
    [
      'santander.csv',
      'santander',
      2,
      [
        [5, '2026-11-02', -5670, 'PIX ENVIADO Mercadinho São João'],
        [6, '2026-11-06', 42, 'REMUNERACAO APLICACAO AUTOMATICA'],
      ],
    ],
    [
      'c6-card.csv',
      'c6_card',
      0,
      [
        [2, '2026-11-02', -12345, 'MERCADINHO SAO JOAO - Única'],
        [3, '2026-11-03', -5990, 'LOJA TRES IRMAOS - Parcela 3/10'],
        [4, '2026-11-10', 50000, 'Inclusao de Pagamento - Única'],
      ],
    ],
    [
      'mercado-pago.csv',
      'mercado_pago',
      3,
      [
        [5, '2026-11-02', -4590, 'Pagamento com QR Pix Padaria Pão Quente'],
        [6, '2026-11-05', 30000, 'Transferência Pix recebida Maria Exemplo'],
      ],
    ],
  ])('%s → %s', (name, presetId, skipRows, expected) => {
    const bytes = fixture(name);
    expect(detectCsvPreset(bytes)).toMatchObject({ preset: presetId, skipRows });
    expect(brief(bytes)).toEqual(expected);
    // Naming the preset reads the same.
    expect(brief(bytes, { preset: presetId })).toEqual(expected);
  });

  it('has a fixture for every preset', () => {
    expect(Object.keys(CSV_PRESETS).sort()).toEqual(
      [
        'banco_do_brasil',
        'bradesco',
        'c6_card',
        'caixa',
        'inter',
        'itau',
        'mercado_pago',
        'nubank_account',
        'nubank_card',
        'santander',
        'vai_de_pix',
      ].sort(),
    );
  });

  it('counts balance, continuation and footer rows as skipped', () => {
    expect(readStatement(fixture('bradesco.csv')).skippedCount).toBe(3);
    expect(readStatement(fixture('itau.csv')).skippedCount).toBe(4);
    expect(readStatement(fixture('banco-do-brasil.csv')).skippedCount).toBe(2);
  });

  it('reports the charset and the mapping used', () => {
    const statement = readStatement(fixture('inter.csv'));
    expect(statement.charset).toBe('windows-1252');
    expect(statement.mapping).toMatchObject({ preset: 'inter', delimiter: ';', skipRows: 5 });
    expect(readStatement(fixture('c6-card.csv')).charset).toBe('utf-8');
  });

  it('keeps the ids a bank gives as FITIDs', () => {
    const [first] = readStatement(fixture('nubank-account.csv')).lines;
    expect(first).toMatchObject({
      fitid: '6f0c5e2a-0001-4000-8000-000000000001',
      dedupeKey: 'fitid:6f0c5e2a-0001-4000-8000-000000000001|-1250',
    });
  });
});

describe("the app's own export (vai_de_pix)", () => {
  const bytes = fixture('vai-de-pix-ledger-entries.csv');
  const account1 = '0197a000-0000-7000-8000-000000000001';
  const account2 = '0197a000-0000-7000-8000-000000000002';
  const withFilter = (value: string): CsvMapping => {
    const mapping = detectCsvPreset(bytes);
    if (mapping === null) throw new Error('not detected');
    return { ...mapping, filter: { column: 2, value } };
  };

  it('asks for an account when the file holds several', () => {
    const error = unreadable(() => readStatement(bytes));
    expect(error.message).toMatch(/2 accounts.*choose/);
    expect(error.line).toBeNull();
  });

  it('reads one account, ids as FITIDs, formula guards removed', () => {
    const first = readStatement(bytes, { mapping: withFilter(account1) });
    expect(first.charset).toBe('utf-8');
    expect(first.lines.map((line) => [line.line, line.occurredOn, line.amountCents, line.description, line.fitid])).toEqual([
      [2, '2026-11-01', -1250, 'Padaria Pão Quente', '0197b000-0000-7000-8000-00000000000a'],
      [3, '2026-11-02', 500000, 'Salário, novembro', '0197b000-0000-7000-8000-00000000000b'],
    ]);
    const second = readStatement(bytes, { mapping: withFilter(account2) });
    expect(second.lines.map((line) => [line.amountCents, line.description])).toEqual([[-9990, '=1+2 loja esperta']]);
  });
});

describe('CSV line numbers and quoting', () => {
  it('keeps line numbers right across quoted separators and newlines (CRLF inside quotes too)', () => {
    expect(brief(fixture('quoted-newlines.csv'))).toEqual([
      [2, '2026-11-02', -1000, 'Loja; "A"'],
      [3, '2026-11-03', -2000, 'linha um linha dois'],
      [5, '2026-11-04', -3000, 'três fim'],
      [8, '2026-11-05', 4000, 'Último'],
    ]);
  });

  it.each([
    ['csv-bad-date.csv', 3, /no such day: 31\/11\/2026/],
    ['csv-bad-amount.csv', 4, /more than two decimals/],
  ])('%s fails on line %d', (name, line, message) => {
    const error = unreadable(() => readStatement(fixture(name)));
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
  });

  it('reports an unclosed quote on the line the record starts', () => {
    const text = 'Data,Valor,Identificador,Descrição\n01/11/2026,-1.00,a,ok\n02/11/2026,-1.00,b,"never\nclosed\n';
    expect(unreadable(() => readStatement(Buffer.from(text))).line).toBe(3);
  });

  it('refuses columns it does not recognise, and an unknown preset', () => {
    expect(unreadable(() => readStatement(Buffer.from('a;b;c\n1;2;3\n'))).message).toMatch(/columns were not recognised/);
    expect(unreadable(() => readStatement(Buffer.from('a;b;c\n'), { preset: 'banco_imaginario' })).message).toMatch(/unknown/);
  });
});

describe('custom mappings', () => {
  const base: CsvMapping = {
    preset: 'custom',
    delimiter: '\t',
    skipRows: 1,
    hasHeader: false,
    dateColumn: 0,
    dateFormat: 'dd/mm/yy',
    descriptionColumn: 1,
    amount: { kind: 'debit_credit', debitColumn: 2, creditColumn: 3 },
    decimal: 'comma',
    invertSign: false,
  };

  it('reads tabs, two-digit years, debit/credit columns (either sign, zero meaning empty)', () => {
    const text = 'Minha planilha\n01/11/26\tMercado\t50,00\t\n02/11/26\tSalário\t0,00\t3.000,00\n03/11/26\tTarifa\t-2,50\t\n';
    expect(brief(Buffer.from(text), { mapping: base })).toEqual([
      [2, '2026-11-01', -5000, 'Mercado'],
      [3, '2026-11-02', 300000, 'Salário'],
      [4, '2026-11-03', -250, 'Tarifa'],
    ]);
  });

  it('a year-first mapping takes four-digit years only: a day-first date is refused, not read as 2005', () => {
    const yearFirst: CsvMapping = { ...base, dateFormat: 'yyyy-mm-dd', skipRows: 0 };
    expect(unreadable(() => readStatement(Buffer.from('05/11/26\tMercado\t50,00\t\n'), { mapping: yearFirst })).line).toBe(1);
    expect(brief(Buffer.from('2026-11-05\tMercado\t50,00\t\n'), { mapping: yearFirst })).toEqual([
      [1, '2026-11-05', -5000, 'Mercado'],
    ]);
  });

  it('refuses a row with amounts in both columns, and skips one with neither', () => {
    expect(unreadable(() => readStatement(Buffer.from('x\n01/11/26\tA\t1,00\t2,00\n'), { mapping: base })).line).toBe(2);
    const statement = readStatement(Buffer.from('x\n01/11/26\tA\t\t\n02/11/26\tB\t0,00\t0,00\n03/11/26\tC\t1,00\t\n'), {
      mapping: base,
    });
    expect([statement.lines.map((line) => line.description), statement.skippedCount]).toEqual([['C'], 2]);
  });

  it('skips a dated row whose signed amount cell is empty, and refuses one it cannot read', () => {
    const mapping: CsvMapping = { ...base, delimiter: ';', skipRows: 0, hasHeader: true, amount: { kind: 'signed', column: 2 } };
    const statement = readStatement(Buffer.from('d;t;v\n05/11/26;SDO CTA/APL AUTOMATICAS;\n06/11/26;Loja;-1,00\n'), { mapping });
    expect([statement.lines.length, statement.skippedCount]).toEqual([1, 1]);
    expect(unreadable(() => readStatement(Buffer.from('d;t;v\n05/11/26;Loja;um real\n'), { mapping })).line).toBe(2);
  });

  it('inverts card purchases and reads R$ amounts', () => {
    const mapping: CsvMapping = {
      ...base,
      delimiter: ';',
      skipRows: 0,
      hasHeader: true,
      amount: { kind: 'signed', column: 2 },
      invertSign: true,
    };
    expect(brief(Buffer.from('d;t;v\n05/11/2026;Loja;R$ 1.234,56\n06/11/2026;Estorno;R$ -10,00\n'), { mapping })).toEqual([
      [2, '2026-11-05', -123456, 'Loja'],
      [3, '2026-11-06', 1000, 'Estorno'],
    ]);
  });
});

describe('mapping checks', () => {
  const good = CSV_PRESETS.nubank_account?.mapping as CsvMapping;
  it.each([
    ['a negative column', { ...good, dateColumn: -1 }],
    ['a huge column', { ...good, amount: { kind: 'signed', column: 1e9 } }],
    ['a fractional skip', { ...good, skipRows: 1.5 }],
    ['an unknown separator', { ...good, delimiter: '|' }],
    ['an unknown date format', { ...good, dateFormat: 'mm/dd/yyyy' }],
  ] as [string, CsvMapping][])('refuses %s', (_name, mapping) => {
    expect(unreadable(() => readStatement(fixture('nubank-account.csv'), { mapping })).message).toMatch(/mapping is invalid/);
  });

  it('accepts every preset', () => {
    for (const preset of Object.values(CSV_PRESETS)) expect(() => checkMapping(preset.mapping)).not.toThrow();
  });
});
