/**
 * What a card statement's installment lines ("Loja X - Parcela 2/6") become when imported into
 * a credit card: pure rules over the lines, the card's standing installment purchases and its
 * schedule (docs/IMPORTS.md, "Card statements: installments").
 */
import { type IsoMonth, monthParts, shiftMonth } from '../../lib/calendar.js';
import { billMonthOf, type CardSchedule, INSTALLMENTS_MAX } from '../../policies/cards_v1.js';
import { AMOUNT_MAX_CENTS } from '../../policies/ledger_v1.js';
import type { InstallmentPurchase } from '../cards/cards-import.repository.js';
import { PAYEE_CANDIDATES_MAX, type PayeeText, payeeText, similarPayeeTexts } from './payee.js';
import { installmentMarker } from './readers/text.js';

/** What the planner needs of a line. */
export interface CardLine {
  position: number;
  occurredOn: string;
  description: string;
  amountCents: number;
}

/** The person's choice for one line on the preview. */
export interface CardChoice {
  /** false: an ordinary movement (no installment match, no purchase), whatever its text says. */
  asInstallments?: boolean;
  /** The whole amount of the installments the line's new purchase holds, when the person knows it. */
  totalCents?: number;
}

/** One installment a new purchase will hold. */
export interface PlannedInstallment {
  number: number;
  count: number;
  amountCents: number;
  month: IsoMonth;
}

export type CardPlan =
  | { kind: 'installment_of'; purchaseId: string; number: number; count: number }
  /** The line is installment `number` of the purchase an earlier line of the same file plans (at `position`). */
  | { kind: 'installment_of_line'; position: number; number: number; count: number }
  | {
      kind: 'purchase';
      /** The line's description without its marker ("Loja X"). */
      description: string;
      installments: PlannedInstallment[];
      totalCents: number;
      /** The total was worked out as the line's amount times the installments, not given. */
      totalEstimated: boolean;
    };

/**
 * A line's installment, 1 ≤ number ≤ count ≤ INSTALLMENTS_MAX, read as on a card statement: a
 * bare "2/6" counts (`worded: false`), to match an installment, never to start a purchase.
 */
export function cardInstallment(description: string) {
  const marker = installmentMarker(description, true);
  if (marker === null || marker.count > INSTALLMENTS_MAX) return null;
  return marker;
}

function monthIndex(month: IsoMonth): number {
  const parts = monthParts(month);
  return parts.year * 12 + parts.month;
}

function sameText(a: PayeeText, b: PayeeText): boolean {
  return a.normalised === b.normalised || similarPayeeTexts(a, b);
}

/**
 * Candidates for a line's installment `k/N`, in the order the planner met them, each gone once a
 * line stands for it. A candidate can match a line only on the line's day or within a month of
 * its bill (planCardLines), so each is filed under its installment's bill month and its
 * purchase's day, and a line looks under its bill's month and the months either side, and its
 * day: a card's history of purchases in N installments is not in its way. Under each it examines
 * at most PAYEE_CANDIDATES_MAX: a crafted file of thousands of alike purchases would otherwise
 * make the planning quadratic.
 */
class Candidates<T> {
  private readonly filed = new Map<number | string, Array<Filed<T>>>();
  private added = 0;

  add(count: number, number: number, at: { month: IsoMonth; day: string }, value: T): void {
    const keys = [monthKey(count, number, monthIndex(at.month)), dayKey(count, number, at.day)];
    const entry: Filed<T> = { value, order: this.added, keys };
    this.added += 1;
    for (const key of keys) {
      const list = this.filed.get(key);
      if (list) list.push(entry);
      else this.filed.set(key, [entry]);
    }
  }

  /** Takes out and returns the first met of the line's candidates that `fits`. */
  take(count: number, number: number, line: { month: IsoMonth; day: string }, fits: (value: T) => boolean): T | undefined {
    const month = monthIndex(line.month);
    const keys = [month - 1, month, month + 1].map((index): number | string => monthKey(count, number, index));
    keys.push(dayKey(count, number, line.day));
    const seen = new Set<Filed<T>>();
    for (const key of keys) for (const entry of (this.filed.get(key) ?? []).slice(0, PAYEE_CANDIDATES_MAX)) seen.add(entry);
    for (const entry of [...seen].sort((a, b) => a.order - b.order)) {
      if (!fits(entry.value)) continue;
      for (const key of entry.keys) {
        const list = this.filed.get(key) as Array<Filed<T>>;
        list.splice(list.indexOf(entry), 1);
      }
      return entry.value;
    }
    return undefined;
  }
}

interface Filed<T> {
  value: T;
  order: number;
  keys: Array<number | string>;
}

/** A number, as a month's candidates are many: installment k of N (both under 64) on the bill of month `index`. */
const monthKey = (count: number, number: number, index: number) => (index * 64 + count) * 64 + number;
const dayKey = (count: number, number: number, day: string) => `${count}#${number}#${day}`;

/**
 * The amounts of `rows` installments: the line's amount each (the total then estimated), or the
 * person's total split evenly with the remainder on the first, as cards_v1 splits a purchase.
 */
function amountsOf(lineCents: number, rows: number, totalCents: number | undefined): number[] {
  if (totalCents === undefined) return Array.from({ length: rows }, () => lineCents);
  const base = Math.floor(totalCents / rows);
  return Array.from({ length: rows }, (_, index) => (index === 0 ? totalCents - base * (rows - 1) : base));
}

/** Each installment of the card's standing purchases, as a candidate for the lines. */
function standingCandidates(purchases: readonly InstallmentPurchase[]) {
  const standing = new Candidates<{ purchase: InstallmentPurchase; text: PayeeText; amountCents: number; month: IsoMonth }>();
  for (const purchase of purchases) {
    const text = payeeText(purchase.description);
    for (const installment of purchase.installments) {
      standing.add(
        purchase.count,
        installment.number,
        { month: installment.bill_month, day: purchase.occurred_on },
        { purchase, text, amountCents: installment.amount_cents, month: installment.bill_month },
      );
    }
  }
  return standing;
}

/** A purchase an earlier line of the file plans, as later lines may match it. */
interface FilePurchase {
  position: number;
  occurredOn: string;
  text: PayeeText;
  /** Bills a line already stands on: a purchase puts one installment on each bill. */
  months: Set<IsoMonth>;
}

/** Lines in date order, file order within a day: an export listed newest first plans as one listed oldest first. */
function byDate(lines: readonly CardLine[]): CardLine[] {
  return [...lines].sort((a, b) =>
    a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : a.position - b.position,
  );
}

/**
 * Each installment line's fate, by position; lines absent from the answer are ordinary
 * movements. Only debits (purchases) with a marker are considered, in date order (file order
 * within a day):
 *
 * 1. A line "k/N" is installment k of a standing purchase on the card when the purchase has N
 *    installments, its description names the same payee as the line without its marker, its
 *    installment k differs from the line's amount by less than N centavos (what a split may
 *    shift), and either the purchase was made on the line's date (issuers that print the
 *    purchase day on every installment) or installment k's bill is within one month of the
 *    bill of the line's date. Each installment answers for one line.
 * 2. Else it is installment k of a purchase an earlier line of the file plans (rule 3), on the
 *    same terms, when no line of that purchase already stands on the line's bill (unless the
 *    line is dated on the purchase's day).
 * 3. Else a worded marker ("Parcela k/N") starts a purchase of the installments k..N, dated on
 *    the line's day: installment k on the bill of that day, the next ones on the bills after
 *    it, each of the line's amount (the total estimated) unless the person gave the total. A
 *    bare "k/N" may be a date ("Netflix 05/12"): it never starts a purchase, the line stays an
 *    ordinary movement.
 */
export function planCardLines(input: {
  lines: readonly CardLine[];
  purchases: readonly InstallmentPurchase[];
  schedules: readonly CardSchedule[];
  choices?: ReadonlyMap<number, CardChoice>;
}): Map<number, CardPlan> {
  const plans = new Map<number, CardPlan>();
  const standing = standingCandidates(input.purchases);
  const inFileCandidates = new Candidates<{ purchase: FilePurchase; installment: PlannedInstallment }>();
  for (const line of byDate(input.lines)) {
    const choice = input.choices?.get(line.position);
    if (line.amountCents >= 0 || choice?.asInstallments === false) continue;
    const marker = cardInstallment(line.description);
    if (marker === null) continue;
    const cents = -line.amountCents;
    const lineMonth = billMonthOf(input.schedules, line.occurredOn);
    const rest = payeeText(marker.rest);
    const fits = (amountCents: number) => Math.abs(amountCents - cents) < marker.count;
    const near = (month: IsoMonth) => Math.abs(monthIndex(month) - monthIndex(lineMonth)) <= 1;
    const at = { month: lineMonth, day: line.occurredOn };
    const match = standing.take(
      marker.count,
      marker.number,
      at,
      (candidate) =>
        fits(candidate.amountCents) &&
        (candidate.purchase.occurred_on === line.occurredOn || near(candidate.month)) &&
        sameText(rest, candidate.text),
    );
    if (match) {
      plans.set(line.position, {
        kind: 'installment_of',
        purchaseId: match.purchase.id,
        number: marker.number,
        count: marker.count,
      });
      continue;
    }
    const inFile = inFileCandidates.take(marker.count, marker.number, at, ({ purchase, installment }) => {
      if (!fits(installment.amountCents)) return false;
      const sameDay = purchase.occurredOn === line.occurredOn;
      if (!sameDay && (purchase.months.has(lineMonth) || !near(installment.month))) return false;
      return sameText(rest, purchase.text);
    });
    if (inFile) {
      inFile.purchase.months.add(lineMonth);
      plans.set(line.position, {
        kind: 'installment_of_line',
        position: inFile.purchase.position,
        number: marker.number,
        count: marker.count,
      });
      continue;
    }
    if (!marker.worded) continue;
    const rows = marker.count - marker.number + 1;
    const amounts = amountsOf(cents, rows, choice?.totalCents);
    const totalCents = amounts.reduce((sum, amount) => sum + amount, 0);
    if (totalCents > AMOUNT_MAX_CENTS) continue;
    const installments = amounts.map((amountCents, index) => ({
      number: marker.number + index,
      count: marker.count,
      amountCents,
      month: shiftMonth(lineMonth, index),
    }));
    plans.set(line.position, {
      kind: 'purchase',
      description: marker.rest,
      installments,
      totalCents,
      totalEstimated: choice?.totalCents === undefined && rows > 1,
    });
    const purchase: FilePurchase = {
      position: line.position,
      occurredOn: line.occurredOn,
      text: rest,
      months: new Set([lineMonth]),
    };
    // The planning line stands for its own installment; later lines may stand for the others.
    for (const one of installments.slice(1)) {
      inFileCandidates.add(one.count, one.number, { month: one.month, day: line.occurredOn }, { purchase, installment: one });
    }
  }
  return plans;
}
