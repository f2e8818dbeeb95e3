import type { Queryable } from '../../db/queryable.js';
import { findDedupeKeys, movementsBetween } from './imports.repository.js';
import { PAYEE_CANDIDATES_MAX, type PayeeText, payeeText, similarPayeeTexts } from './payee.js';

/** What the duplicate check needs of a line. */
export interface LineToMatch {
  line: number;
  occurredOn: string;
  description: string;
  amountCents: number;
  dedupeKey: string;
}

/**
 * Which lines are already in the account's books, and as which transaction: first by the
 * statement's own key (an earlier import of this or an overlapping file, not undone), then
 * by an income or expense of the same day and signed amount whose description names the
 * same payee (typed by hand, or imported from another bank export with other ids). Each
 * existing movement answers for one line at most, so two equal coffees on one day in the
 * file match two in the books, not one twice.
 */
export async function findDuplicates(
  client: Queryable,
  options: { userId: string; accountId: string; lines: readonly LineToMatch[] },
): Promise<Map<number, string>> {
  const { userId, accountId, lines } = options;
  const duplicates = new Map<number, string>();
  if (lines.length === 0) return duplicates;
  const byKey = await findDedupeKeys(client, { userId, accountId, keys: lines.map((line) => line.dedupeKey) });
  const taken = new Set(byKey.values());
  const rest: LineToMatch[] = [];
  for (const line of lines) {
    const id = byKey.get(line.dedupeKey);
    if (id === undefined) rest.push(line);
    else duplicates.set(line.line, id);
  }
  if (rest.length === 0) return duplicates;

  let from = rest[0]?.occurredOn as string;
  let to = from;
  for (const line of rest) {
    if (line.occurredOn < from) from = line.occurredOn;
    if (line.occurredOn > to) to = line.occurredOn;
  }
  const movements = await movementsBetween(client, { userId, accountId, from, to });
  const candidates = new Map<string, Array<{ id: string; text: PayeeText }>>();
  for (const movement of movements) {
    if (taken.has(movement.id)) continue;
    const slot = `${movement.occurred_on}|${movement.amount_cents}`;
    const candidate = { id: movement.id, text: payeeText(movement.description) };
    const list = candidates.get(slot);
    if (list) list.push(candidate);
    else candidates.set(slot, [candidate]);
  }
  for (const line of rest) {
    const list = candidates.get(`${line.occurredOn}|${line.amountCents}`);
    if (!list) continue;
    const text = payeeText(line.description);
    const end = Math.min(list.length, PAYEE_CANDIDATES_MAX);
    for (let index = 0; index < end; index += 1) {
      const candidate = list[index] as (typeof list)[number];
      if (!similarPayeeTexts(candidate.text, text)) continue;
      list.splice(index, 1);
      duplicates.set(line.line, candidate.id);
      break;
    }
  }
  return duplicates;
}
