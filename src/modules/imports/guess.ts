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

/**
 * The rules indexed once for many lines, by kind and by their pattern's first word: a pattern
 * can only appear, as whole words, in a description that holds its first word, so a line is
 * checked against the rules of its own words instead of all of them (up to 500 rules against
 * up to 50,000 lines).
 */
export function ruleMatcher(rules: readonly RuleRow[]): (description: string, kind: Kind) => RuleRow | undefined {
  const byFirstWord = new Map<string, Array<{ rule: RuleRow; padded: string; order: number }>>();
  rules.forEach((rule, order) => {
    const key = `${rule.kind} ${rule.pattern.split(' ', 1)[0]}`;
    const entry = { rule, padded: ` ${rule.pattern} `, order };
    const list = byFirstWord.get(key);
    if (list) list.push(entry);
    else byFirstWord.set(key, [entry]);
  });
  return (description, kind) => {
    const normalised = normaliseText(description);
    const text = ` ${normalised} `;
    let best: { rule: RuleRow; order: number } | undefined;
    for (const word of new Set(normalised.split(' '))) {
      for (const entry of byFirstWord.get(`${kind} ${word}`) ?? []) {
        if (!text.includes(entry.padded)) continue;
        const length = entry.rule.pattern.length;
        // The longest wins; of equal ones, the first in the rules' order.
        if (!best || length > best.rule.pattern.length || (length === best.rule.pattern.length && entry.order < best.order)) {
          best = entry;
        }
      }
    }
    return best?.rule;
  };
}

/** The longest rule of the line's kind whose pattern appears, as whole words, in the normalised description. */
export function matchRule(rules: readonly RuleRow[], description: string, kind: Kind): RuleRow | undefined {
  return ruleMatcher(rules)(description, kind);
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
  const matchRuleOf = ruleMatcher(rules);
  const guesses = new Map<number, string | null>();
  for (const line of options.lines) {
    const kind: Kind = line.amountCents < 0 ? 'expense' : 'income';
    const rule = matchRuleOf(line.description, kind);
    if (rule) {
      guesses.set(line.line, rule.category_id);
      continue;
    }
    const byKey = mostUsed(index[kind].key.get(payeeKey(line.description)));
    guesses.set(line.line, byKey ?? mostUsed(index[kind].first.get(keyTokens(line.description)[0] ?? '')));
  }
  return guesses;
}
