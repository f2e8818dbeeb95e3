/**
 * Column mappings for the CSV exports people download from their banks, each recognised by
 * its header row. The headers follow these banks' exports as we know them; a bank that
 * changes its layout is handled by the person's own mapping until the preset is updated.
 * Header cells are compared without case, accents or extra spaces.
 */
import { parse } from 'csv-parse/sync';
import { type CsvMapping, LEDGER_ENTRIES_COLUMNS, ledgerEntriesColumn } from '../statement.js';
import { decodeStatement } from './charset.js';
import { normaliseLineEndings, VAI_DE_PIX_PRESET } from './csv.js';
import { foldText } from './text.js';

/** How many lines from the top are searched for a known header (banks put a preamble above it). */
export const HEADER_SCAN_LINES_MAX = 30;

export interface CsvPreset {
  /** Shown to the person when choosing a preset. */
  label: string;
  /** The header row's cells, as the bank writes them. */
  header: readonly string[];
  /** skipRows here is the usual preamble; detection sets the one found in the file. */
  mapping: CsvMapping;
}

type MappingRest = Omit<CsvMapping, 'preset' | 'hasHeader' | 'skipRows'> & { skipRows?: number };

function preset(id: string, label: string, header: readonly string[], rest: MappingRest): [string, CsvPreset] {
  return [id, { label, header, mapping: { preset: id, hasHeader: true, skipRows: 0, ...rest } }];
}

const signed = (column: number) => ({ kind: 'signed', column }) as const;

export const CSV_PRESETS: Readonly<Record<string, CsvPreset>> = Object.fromEntries([
  // Nubank card: purchases positive, payments negative, ISO dates, dot decimals.
  preset('nubank_card', 'Nubank — cartão de crédito', ['date', 'title', 'amount'], {
    delimiter: ',',
    dateColumn: 0,
    dateFormat: 'yyyy-mm-dd',
    descriptionColumn: 1,
    amount: signed(2),
    decimal: 'dot',
    invertSign: true,
  }),
  // Nubank account (NuConta): signed dot-decimal amounts and a unique id per movement.
  preset('nubank_account', 'Nubank — conta', ['Data', 'Valor', 'Identificador', 'Descrição'], {
    delimiter: ',',
    dateColumn: 0,
    dateFormat: 'dd/mm/yyyy',
    descriptionColumn: 3,
    amount: signed(1),
    decimal: 'dot',
    invertSign: false,
    fitidColumn: 2,
  }),
  // Inter: a preamble (account, period, balance), then the history and its detail.
  preset('inter', 'Banco Inter — conta', ['Data Lançamento', 'Histórico', 'Descrição', 'Valor', 'Saldo'], {
    delimiter: ';',
    skipRows: 5,
    dateColumn: 0,
    dateFormat: 'dd/mm/yyyy',
    descriptionColumn: 1,
    detailColumn: 2,
    amount: signed(3),
    decimal: 'comma',
    invertSign: false,
  }),
  preset('itau', 'Itaú — conta', ['Data', 'Lançamento', 'Ag./Origem', 'Valor (R$)', 'Saldos (R$)'], {
    delimiter: ';',
    dateColumn: 0,
    dateFormat: 'dd/mm/yyyy',
    descriptionColumn: 1,
    amount: signed(3),
    decimal: 'comma',
    invertSign: false,
  }),
  // Bradesco: one line above the header naming agency and account; separate credit and debit columns.
  preset('bradesco', 'Bradesco — conta', ['Data', 'Histórico', 'Docto.', 'Crédito (R$)', 'Débito (R$)', 'Saldo (R$)'], {
    delimiter: ';',
    skipRows: 1,
    dateColumn: 0,
    dateFormat: 'dd/mm/yy',
    descriptionColumn: 1,
    amount: { kind: 'debit_credit', debitColumn: 4, creditColumn: 3 },
    decimal: 'comma',
    invertSign: false,
  }),
  preset(
    'banco_do_brasil',
    'Banco do Brasil — conta',
    ['Data', 'Lançamento', 'Detalhes', 'N° documento', 'Valor', 'Tipo Lançamento'],
    {
      delimiter: ',',
      dateColumn: 0,
      dateFormat: 'dd/mm/yyyy',
      descriptionColumn: 1,
      detailColumn: 2,
      amount: signed(4),
      decimal: 'comma',
      invertSign: false,
    },
  ),
  // Caixa: compact dates (20261130), unsigned dot-decimal amounts, and a D/C column for the sign.
  preset('caixa', 'Caixa — conta', ['Conta', 'Data_Mov', 'Nr_Doc', 'Historico', 'Valor', 'Deb_Cred'], {
    delimiter: ';',
    dateColumn: 1,
    dateFormat: 'yyyy-mm-dd',
    descriptionColumn: 3,
    amount: signed(4),
    decimal: 'dot',
    invertSign: false,
    signColumn: { column: 5, debitValue: 'D' },
  }),
  preset('santander', 'Santander — conta', ['Data', 'Histórico', 'Documento', 'Valor (R$)', 'Saldo (R$)'], {
    delimiter: ';',
    skipRows: 2,
    dateColumn: 0,
    dateFormat: 'dd/mm/yyyy',
    descriptionColumn: 1,
    amount: signed(3),
    decimal: 'comma',
    invertSign: false,
  }),
  // C6 card bill: purchases positive in reais, the installment ("2/6" or "Única") in its own column.
  preset(
    'c6_card',
    'C6 Bank — fatura do cartão',
    [
      'Data de Compra',
      'Nome no Cartão',
      'Final do Cartão',
      'Categoria',
      'Descrição',
      'Parcela',
      'Valor (em US$)',
      'Cotação (em R$)',
      'Valor (em R$)',
    ],
    {
      delimiter: ';',
      dateColumn: 0,
      dateFormat: 'dd/mm/yyyy',
      descriptionColumn: 4,
      detailColumn: 5,
      detailInstallment: true,
      amount: signed(8),
      decimal: 'dot',
      invertSign: true,
    },
  ),
  // Mercado Pago account statement: a balance summary above the header, dd-mm-yyyy dates.
  preset(
    'mercado_pago',
    'Mercado Pago — conta',
    ['RELEASE_DATE', 'TRANSACTION_TYPE', 'REFERENCE_ID', 'TRANSACTION_NET_AMOUNT', 'PARTIAL_BALANCE'],
    {
      delimiter: ';',
      skipRows: 3,
      dateColumn: 0,
      dateFormat: 'dd/mm/yyyy',
      descriptionColumn: 1,
      amount: signed(3),
      decimal: 'comma',
      invertSign: false,
      fitidColumn: 2,
    },
  ),
  // The app's own export (ledger_entries.csv): one file for every account, hence the filter.
  preset(VAI_DE_PIX_PRESET, 'Vai de Pix — exportação (ledger_entries.csv)', LEDGER_ENTRIES_COLUMNS, {
    delimiter: ',',
    dateColumn: ledgerEntriesColumn('occurred_on'),
    dateFormat: 'yyyy-mm-dd',
    descriptionColumn: ledgerEntriesColumn('description'),
    amount: signed(ledgerEntriesColumn('amount_cents')),
    decimal: 'cents',
    invertSign: false,
    fitidColumn: ledgerEntriesColumn('entry_id'),
  }),
]);

function foldHeaderCell(cell: string): string {
  return foldText(cell).replace(/[°º]/g, 'o').replace(/\s+/g, ' ').trim();
}

/** The header's cells folded, trailing empty cells dropped (Banco do Brasil ends rows with a comma). */
function foldedRow(cells: string[]): string {
  const folded = cells.map(foldHeaderCell);
  while (folded.length > 0 && folded[folded.length - 1] === '') folded.pop();
  return folded.join('\u0000');
}

const FOLDED_HEADERS = Object.values(CSV_PRESETS).map((entry) => ({ entry, folded: foldedRow([...entry.header]) }));

/** The mapping of the preset whose header is in the file's first lines (skipRows set to where it is), or null. */
export function detectCsvPreset(bytes: Buffer): CsvMapping | null {
  return detectInText(decodeStatement(bytes).text);
}

export function detectInText(text: string): CsvMapping | null {
  const head = normaliseLineEndings(text).split('\n', HEADER_SCAN_LINES_MAX);
  for (const [index, rawLine] of head.entries()) {
    for (const { entry, folded } of FOLDED_HEADERS) {
      if (!rawLine.includes(entry.mapping.delimiter)) continue;
      if (foldedRow(splitHeaderLine(rawLine, entry.mapping.delimiter)) === folded) return { ...entry.mapping, skipRows: index };
    }
  }
  return null;
}

function splitHeaderLine(line: string, delimiter: CsvMapping['delimiter']): string[] {
  try {
    const [cells = []] = parse(line, { delimiter, relax_quotes: true, relax_column_count: true }) as string[][];
    return cells;
  } catch {
    return [];
  }
}
