import type { Queryable } from '../../db/queryable.js';
import { activeRules, type CategoryUse, categoryUses, type RuleRow } from './imports.repository.js';
import { keyTokens, normaliseText, payeeKey } from './payee.js';

/**
 * How many (description, category) groups of the person's past transactions the guess
 * reads, most recent first: enough for years of a household's payees, bounded so a guess
 * costs the same for everyone.
 */
export const CATEGORY_HISTORY_GROUPS_MAX = 5_000;

type Kind = 'income' | 'expense';

/** What the category guess needs of a line. */
export interface LineToGuess {
  line: number;
  description: string;
  amountCents: number;
}

/** Uses per category under one key. */
type Tally = Map<string, number>;

function add(index: Map<string, Tally>, key: string, use: CategoryUse): void {
  if (key === '') return;
  let tally = index.get(key);
  if (!tally) {
    tally = new Map();
    index.set(key, tally);
  }
  tally.set(use.category_id, (tally.get(use.category_id) ?? 0) + use.uses);
}

/** The most used category; on a tie, the one met first (the uses come most recent first). */
function mostUsed(tally: Tally | undefined): string | null {
  if (!tally) return null;
  let best: string | null = null;
  let bestUses = 0;
  for (const [category, uses] of tally) {
    if (uses > bestUses) {
      best = category;
      bestUses = uses;
    }
  }
  return best;
}

/** The past, indexed by kind: by the whole payee key, and by its first token for a looser match. */
function indexUses(uses: readonly CategoryUse[]) {
  const index = {
    income: { key: new Map<string, Tally>(), first: new Map<string, Tally>() },
    expense: { key: new Map<string, Tally>(), first: new Map<string, Tally>() },
  };
  for (const use of uses) {
    add(index[use.kind].key, payeeKey(use.description), use);
    add(index[use.kind].first, keyTokens(use.description)[0] ?? '', use);
  }
  return index;
}

/** The longest rule of the line's kind whose pattern appears, as whole words, in the normalised description. */
export function matchRule(rules: readonly RuleRow[], description: string, kind: Kind): RuleRow | undefined {
  const text = ` ${normaliseText(description)} `;
  let best: RuleRow | undefined;
  for (const rule of rules) {
    if (rule.kind !== kind || !text.includes(` ${rule.pattern} `)) continue;
    if (!best || rule.pattern.length > best.pattern.length) best = rule;
  }
  return best;
}

/**
 * A category for each line: a saved rule first; else the category the person used most for
 * the same payee (the same key tokens), else for a similar one (the same first key token);
 * else none. Only categories of the line's kind are considered.
 */
export async function guessCategories(
  client: Queryable,
  options: { userId: string; lines: readonly LineToGuess[] },
): Promise<Map<number, string | null>> {
  const [rules, uses] = await Promise.all([
    activeRules(client, options.userId),
    categoryUses(client, { userId: options.userId, limit: CATEGORY_HISTORY_GROUPS_MAX }),
  ]);
  const index = indexUses(uses);
  const guesses = new Map<number, string | null>();
  for (const line of options.lines) {
    const kind: Kind = line.amountCents < 0 ? 'expense' : 'income';
    const rule = matchRule(rules, line.description, kind);
    if (rule) {
      guesses.set(line.line, rule.category_id);
      continue;
    }
    const byKey = mostUsed(index[kind].key.get(payeeKey(line.description)));
    guesses.set(line.line, byKey ?? mostUsed(index[kind].first.get(keyTokens(line.description)[0] ?? '')));
  }
  return guesses;
}
