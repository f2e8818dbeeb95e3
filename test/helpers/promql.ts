/**
 * A small PromQL evaluator for exactly the subset the alert rules and the dashboard use, so a
 * test can run every rule against what the app really exports. It reads the Prometheus text
 * format, takes each scrape as one sample per series at a given instant, and evaluates an
 * expression at the instant of the last scrape. Anything outside the subset (offset, on(),
 * group_left, subqueries, other functions) is a parse error, never silently ignored.
 *
 * Differences from Prometheus, on purpose: rate and increase do not extrapolate to the edges
 * of their window (they take the last sample minus the first within it, counter resets
 * handled), and staleness is not modelled (a series is as fresh as the last scrape holding it).
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
}

/** One scrape: every series it held, at one instant (Unix seconds). */
export interface Scrape {
  atSeconds: number;
  samples: Sample[];
}

const METRIC_NAME = '__name__';
const NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

// ---------------------------------------------------------------------------------------
// The text exposition format

/** As Prometheus reads them (Go's ParseFloat): Inf and NaN in any case, as prom-client writes "Nan". */
function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new Error(`not a number: ${text}`);
  return value;
}

/** The label set between braces, escapes (\\, \", \n) undone. */
function parseExpositionLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/y;
  let position = 0;
  while (position < text.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(text);
    if (!match) throw new Error(`bad labels in line: ${line}`);
    labels[match[1] as string] = (match[2] as string).replace(/\\(.)/g, (_all, character: string) =>
      character === 'n' ? '\n' : character,
    );
    position = pattern.lastIndex;
  }
  return labels;
}

/**
 * The samples of a /metrics answer. targetLabels are what Prometheus attaches to every series
 * of the target (job, instance); as with `honor_labels: true`, a series' own label wins.
 */
export function parseExposition(text: string, targetLabels: Labels = {}): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const name = NAME_PATTERN.exec(trimmed)?.[0];
    if (!name) throw new Error(`bad sample line: ${line}`);
    let rest = trimmed.slice(name.length);
    let own: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const end = rest.lastIndexOf('}');
      if (end < 0) throw new Error(`unclosed labels in line: ${line}`);
      own = parseExpositionLabels(rest.slice(1, end), line);
      rest = rest.slice(end + 1);
    }
    const [value] = rest.trim().split(/\s+/);
    samples.push({ labels: { ...targetLabels, ...own, [METRIC_NAME]: name }, value: parseNumber(value ?? '') });
  }
  return samples;
}

// ---------------------------------------------------------------------------------------
// The expression tree

export type Matcher = { label: string; op: '=' | '!=' | '=~' | '!~'; value: string };

export type Expr =
  | { type: 'number'; value: number }
  | { type: 'selector'; name: string; matchers: Matcher[]; rangeSeconds?: number }
  | { type: 'call'; name: string; args: Expr[] }
  | { type: 'aggregate'; op: string; by: string[]; arg: Expr }
  | { type: 'binary'; op: string; left: Expr; right: Expr }
  | { type: 'negate'; arg: Expr };

const FUNCTIONS: Readonly<Record<string, readonly ('scalar' | 'vector' | 'range')[]>> = {
  rate: ['range'],
  increase: ['range'],
  histogram_quantile: ['scalar', 'vector'],
  time: [],
  absent: ['vector'],
  absent_over_time: ['range'],
};
const AGGREGATIONS = new Set(['sum', 'max', 'min', 'count', 'avg']);
/** Binary operators, loosest first, as Prometheus ranks them (^ is not in the subset). */
const PRECEDENCE: readonly (readonly string[])[] = [
  ['or'],
  ['and', 'unless'],
  ['==', '!=', '<=', '>=', '<', '>'],
  ['+', '-'],
  ['*', '/', '%'],
];
const COMPARISONS = new Set(PRECEDENCE[2]);
const DURATION_UNITS_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
/** Longest expression the parser takes: the rules are a few lines each. */
export const EXPRESSION_LENGTH_MAX = 4_000;

type Token = { kind: 'number' | 'string' | 'name' | 'op' | 'duration'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const patterns: [Token['kind'] | 'space', RegExp][] = [
    ['space', /\s+/y],
    ['duration', /\[(?:\d+[smhdwy])+\]/y],
    ['number', /\d+(?:\.\d+)?(?:e[+-]?\d+)?/y],
    ['string', /"(?:[^"\\]|\\.)*"/y],
    ['name', /[a-zA-Z_:][a-zA-Z0-9_:]*/y],
    ['op', /==|!=|<=|>=|=~|!~|[-+*/%<>=(){},]/y],
  ];
  let position = 0;
  while (position < source.length) {
    const found = patterns.find(([, pattern]) => {
      pattern.lastIndex = position;
      return pattern.test(source);
    });
    if (!found) throw new Error(`unexpected character at ${position}: ${source.slice(position, position + 20)}`);
    const [kind, pattern] = found;
    const text = source.slice(position, pattern.lastIndex);
    if (kind !== 'space') tokens.push({ kind, text });
    position = pattern.lastIndex;
  }
  return tokens;
}

function durationSeconds(text: string): number {
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhdwy])/g)) {
    seconds += Number(amount) * (DURATION_UNITS_SECONDS[unit as string] as number);
  }
  return seconds;
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Expr {
    const expr = this.binary(0);
    if (this.position < this.tokens.length) throw new Error(`unexpected ${this.peek()?.text} after the expression`);
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw new Error('the expression ends too early');
    return token;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text) throw new Error(`expected ${text}, found ${token.text}`);
  }

  private binary(level: number): Expr {
    const operators = PRECEDENCE[level];
    if (!operators) return this.unary();
    let left = this.binary(level + 1);
    for (let token = this.peek(); token && operators.includes(token.text); token = this.peek()) {
      this.position += 1;
      if (this.peek()?.text === 'bool' || this.peek()?.text === 'on' || this.peek()?.text === 'ignoring') {
        throw new Error(`${this.peek()?.text} is not in the supported subset`);
      }
      left = { type: 'binary', op: token.text, left, right: this.binary(level + 1) };
    }
    return left;
  }

  private unary(): Expr {
    if (this.peek()?.text === '-') {
      this.position += 1;
      return { type: 'negate', arg: this.unary() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.next();
    if (token.kind === 'number') return { type: 'number', value: Number(token.text) };
    if (token.text === '(') {
      const inner = this.binary(0);
      this.expect(')');
      return inner;
    }
    if (token.kind !== 'name') throw new Error(`unexpected ${token.text}`);
    if (AGGREGATIONS.has(token.text)) return this.aggregate(token.text);
    if (this.peek()?.text === '(') return this.call(token.text);
    return this.selector(token.text);
  }

  private labelList(): string[] {
    this.expect('(');
    const labels: string[] = [];
    while (this.peek()?.text !== ')') {
      const token = this.next();
      if (token.kind !== 'name') throw new Error(`expected a label name, found ${token.text}`);
      labels.push(token.text);
      if (this.peek()?.text === ',') this.position += 1;
    }
    this.expect(')');
    return labels;
  }

  private aggregate(op: string): Expr {
    let by: string[] = [];
    if (this.peek()?.text === 'by') {
      this.position += 1;
      by = this.labelList();
    }
    if (this.peek()?.text === 'without') throw new Error('without is not in the supported subset');
    this.expect('(');
    const arg = this.binary(0);
    this.expect(')');
    if (this.peek()?.text === 'by') {
      this.position += 1;
      by = this.labelList();
    }
    return { type: 'aggregate', op, by, arg };
  }

  private call(name: string): Expr {
    const kinds = FUNCTIONS[name];
    if (!kinds) throw new Error(`function ${name} is not in the supported subset`);
    this.expect('(');
    const args: Expr[] = [];
    while (this.peek()?.text !== ')') {
      args.push(this.binary(0));
      if (this.peek()?.text === ',') this.position += 1;
    }
    this.expect(')');
    if (args.length !== kinds.length) throw new Error(`${name} takes ${kinds.length} arguments`);
    kinds.forEach((kind, index) => {
      const arg = args[index] as Expr;
      const isRange = arg.type === 'selector' && arg.rangeSeconds !== undefined;
      if ((kind === 'range') !== isRange) throw new Error(`argument ${index + 1} of ${name} must be a ${kind}`);
    });
    return { type: 'call', name, args };
  }

  private selector(name: string): Expr {
    const matchers: Matcher[] = [];
    if (this.peek()?.text === '{') {
      this.position += 1;
      while (this.peek()?.text !== '}') {
        const label = this.next();
        const op = this.next();
        const value = this.next();
        if (label.kind !== 'name' || !['=', '!=', '=~', '!~'].includes(op.text) || value.kind !== 'string') {
          throw new Error(`bad label matcher near ${label.text}`);
        }
        matchers.push({ label: label.text, op: op.text as Matcher['op'], value: JSON.parse(value.text) as string });
        if (this.peek()?.text === ',') this.position += 1;
      }
      this.expect('}');
    }
    const range = this.peek();
    if (range?.kind === 'duration') {
      this.position += 1;
      return { type: 'selector', name, matchers, rangeSeconds: durationSeconds(range.text) };
    }
    if (this.peek()?.text === 'offset' || this.peek()?.text === '[') throw new Error('offset and subqueries are not supported');
    return { type: 'selector', name, matchers };
  }
}

export function parsePromql(source: string): Expr {
  if (source.length > EXPRESSION_LENGTH_MAX) throw new Error(`expression longer than ${EXPRESSION_LENGTH_MAX} characters`);
  return new Parser(tokenize(source)).parse();
}

/** Every selector of the expression (what it reads), for checking it against what is exported. */
export function selectorsOf(expr: Expr): Extract<Expr, { type: 'selector' }>[] {
  switch (expr.type) {
    case 'number':
      return [];
    case 'selector':
      return [expr];
    case 'call':
      return expr.args.flatMap(selectorsOf);
    case 'aggregate':
    case 'negate':
      return selectorsOf(expr.arg);
    case 'binary':
      return [...selectorsOf(expr.left), ...selectorsOf(expr.right)];
  }
}

/** Every label an aggregation groups by, with the selectors it groups. */
export function groupingsOf(expr: Expr): { by: string[]; selectors: Extract<Expr, { type: 'selector' }>[] }[] {
  switch (expr.type) {
    case 'number':
    case 'selector':
      return [];
    case 'call':
      return expr.args.flatMap(groupingsOf);
    case 'negate':
      return groupingsOf(expr.arg);
    case 'aggregate':
      return [{ by: expr.by, selectors: selectorsOf(expr.arg) }, ...groupingsOf(expr.arg)];
    case 'binary':
      return [...groupingsOf(expr.left), ...groupingsOf(expr.right)];
  }
}

// ---------------------------------------------------------------------------------------
// Evaluation

export type Value = { type: 'scalar'; value: number } | { type: 'vector'; samples: Sample[] };

function matches(labels: Labels, matcher: Matcher): boolean {
  const actual = labels[matcher.label] ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return new RegExp(`^(?:${matcher.value})$`).test(actual);
    case '!~':
      return !new RegExp(`^(?:${matcher.value})$`).test(actual);
  }
}

/** The identity of a label set, the metric name left out (as binary operators match). */
function signature(labels: Labels, keep?: readonly string[]): string {
  const names = (keep ?? Object.keys(labels).filter((name) => name !== METRIC_NAME)).slice().sort();
  return JSON.stringify(names.map((name) => [name, labels[name] ?? '']));
}

function withoutName(labels: Labels): Labels {
  const { [METRIC_NAME]: _name, ...rest } = labels;
  return rest;
}

/** Per series, its samples within the window ending at the evaluation instant, oldest first. */
function rangeOf(scrapes: readonly Scrape[], selector: Extract<Expr, { type: 'selector' }>, at: number) {
  const start = at - (selector.rangeSeconds ?? 0);
  const series = new Map<string, { labels: Labels; points: { at: number; value: number }[] }>();
  for (const scrape of scrapes) {
    if (scrape.atSeconds <= start || scrape.atSeconds > at) continue;
    for (const sample of scrape.samples) {
      if (sample.labels[METRIC_NAME] !== selector.name) continue;
      if (!selector.matchers.every((matcher) => matches(sample.labels, matcher))) continue;
      const key = signature(sample.labels, Object.keys(sample.labels));
      const entry = series.get(key) ?? { labels: sample.labels, points: [] };
      entry.points.push({ at: scrape.atSeconds, value: sample.value });
      series.set(key, entry);
    }
  }
  return [...series.values()];
}

/** Last minus first, a drop being a counter reset (the counter started again from zero). */
function counterIncrease(points: readonly { value: number }[]): number {
  let total = 0;
  for (let index = 1; index < points.length; index += 1) {
    const previous = (points[index - 1] as { value: number }).value;
    const current = (points[index] as { value: number }).value;
    total += current >= previous ? current - previous : current;
  }
  return total;
}

/** Prometheus's histogram_quantile: linear within the bucket; in the +Inf bucket, the highest finite bound. */
function bucketQuantile(quantile: number, buckets: { upper: number; count: number }[]): number {
  buckets.sort((a, b) => a.upper - b.upper);
  const last = buckets[buckets.length - 1];
  if (!last || last.upper !== Number.POSITIVE_INFINITY || buckets.length < 2) return Number.NaN;
  const total = last.count;
  if (total === 0) return Number.NaN;
  if (quantile < 0) return Number.NEGATIVE_INFINITY;
  if (quantile > 1) return Number.POSITIVE_INFINITY;
  const rank = quantile * total;
  const index = buckets.findIndex((bucket) => bucket.count >= rank);
  if (index === buckets.length - 1) return (buckets[buckets.length - 2] as { upper: number }).upper;
  const bucket = buckets[index] as { upper: number; count: number };
  const lowerBound = index === 0 ? 0 : (buckets[index - 1] as { upper: number }).upper;
  const lowerCount = index === 0 ? 0 : (buckets[index - 1] as { count: number }).count;
  if (bucket.count === lowerCount) return bucket.upper;
  return lowerBound + (bucket.upper - lowerBound) * ((rank - lowerCount) / (bucket.count - lowerCount));
}

function histogramQuantile(quantile: number, samples: readonly Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: { upper: number; count: number }[] }>();
  for (const sample of samples) {
    const le = sample.labels.le;
    if (le === undefined) continue;
    const { le: _le, ...labels } = withoutName(sample.labels);
    const key = signature(labels);
    const group = groups.get(key) ?? { labels, buckets: [] };
    group.buckets.push({ upper: parseNumber(le), count: sample.value });
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => ({ labels: group.labels, value: bucketQuantile(quantile, group.buckets) }));
}

function aggregate(op: string, by: readonly string[], samples: readonly Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; values: number[] }>();
  for (const sample of samples) {
    const labels = Object.fromEntries(
      by.filter((name) => sample.labels[name] !== undefined).map((name) => [name, sample.labels[name] as string]),
    );
    const key = signature(labels, by);
    const group = groups.get(key) ?? { labels, values: [] };
    group.values.push(sample.value);
    groups.set(key, group);
  }
  const reduce: Record<string, (values: number[]) => number> = {
    sum: (values) => values.reduce((a, b) => a + b, 0),
    max: (values) => Math.max(...values),
    min: (values) => Math.min(...values),
    count: (values) => values.length,
    avg: (values) => values.reduce((a, b) => a + b, 0) / values.length,
  };
  return [...groups.values()].map((group) => ({
    labels: group.labels,
    value: (reduce[op] as (values: number[]) => number)(group.values),
  }));
}

function arithmetic(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
  }
  throw new Error(`unknown operator ${op}`);
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
  }
  throw new Error(`unknown operator ${op}`);
}

function setOperation(op: string, left: readonly Sample[], right: readonly Sample[]): Sample[] {
  const rightKeys = new Set(right.map((sample) => signature(sample.labels)));
  if (op === 'and') return left.filter((sample) => rightKeys.has(signature(sample.labels)));
  if (op === 'unless') return left.filter((sample) => !rightKeys.has(signature(sample.labels)));
  const leftKeys = new Set(left.map((sample) => signature(sample.labels)));
  return [...left, ...right.filter((sample) => !leftKeys.has(signature(sample.labels)))];
}

function asVector(value: Value, op: string): Sample[] {
  if (value.type !== 'vector') throw new Error(`${op} needs vectors on both sides`);
  return value.samples;
}

/** One operator on each sample; a comparison keeps the vector's samples for which it holds. */
function binary(op: string, left: Value, right: Value): Value {
  if (op === 'and' || op === 'or' || op === 'unless')
    return { type: 'vector', samples: setOperation(op, asVector(left, op), asVector(right, op)) };
  const comparison = COMPARISONS.has(op);
  if (left.type === 'scalar' && right.type === 'scalar') {
    if (comparison) throw new Error('comparing two scalars needs bool, which is not in the subset');
    return { type: 'scalar', value: arithmetic(op, left.value, right.value) };
  }
  const apply = (sample: Sample, a: number, b: number): Sample[] => {
    if (comparison) return compare(op, a, b) ? [sample] : [];
    return [{ labels: withoutName(sample.labels), value: arithmetic(op, a, b) }];
  };
  if (right.type === 'scalar')
    return { type: 'vector', samples: asVector(left, op).flatMap((s) => apply(s, s.value, right.value)) };
  if (left.type === 'scalar') return { type: 'vector', samples: right.samples.flatMap((s) => apply(s, left.value, s.value)) };
  const byKey = new Map(right.samples.map((sample) => [signature(sample.labels), sample]));
  if (byKey.size !== right.samples.length) throw new Error(`${op}: several right-hand samples share one label set`);
  const samples = left.samples.flatMap((sample) => {
    const other = byKey.get(signature(sample.labels));
    return other ? apply(sample, sample.value, other.value) : [];
  });
  return { type: 'vector', samples };
}

function labelsFromEqualities(matchers: readonly Matcher[]): Labels {
  return Object.fromEntries(
    matchers.filter((matcher) => matcher.op === '=' && matcher.label !== METRIC_NAME).map((m) => [m.label, m.value]),
  );
}

function evaluateCall(expr: Extract<Expr, { type: 'call' }>, scrapes: readonly Scrape[], at: number): Value {
  const [first, second] = expr.args;
  switch (expr.name) {
    case 'time':
      return { type: 'scalar', value: at };
    case 'rate':
    case 'increase': {
      const selector = first as Extract<Expr, { type: 'selector' }>;
      const samples = rangeOf(scrapes, selector, at)
        .filter((series) => series.points.length >= 2)
        .map((series) => {
          const increase = counterIncrease(series.points);
          const span = (series.points[series.points.length - 1]?.at ?? 0) - (series.points[0]?.at ?? 0);
          return { labels: withoutName(series.labels), value: expr.name === 'rate' ? increase / span : increase };
        });
      return { type: 'vector', samples };
    }
    case 'absent_over_time': {
      const selector = first as Extract<Expr, { type: 'selector' }>;
      const present = rangeOf(scrapes, selector, at).length > 0;
      return { type: 'vector', samples: present ? [] : [{ labels: labelsFromEqualities(selector.matchers), value: 1 }] };
    }
    case 'absent': {
      const present = asVector(evaluate(first as Expr, scrapes, at), 'absent').length > 0;
      const matchers = first?.type === 'selector' ? first.matchers : [];
      return { type: 'vector', samples: present ? [] : [{ labels: labelsFromEqualities(matchers), value: 1 }] };
    }
    case 'histogram_quantile': {
      const quantile = evaluate(first as Expr, scrapes, at);
      if (quantile.type !== 'scalar') throw new Error('histogram_quantile needs a scalar quantile');
      return {
        type: 'vector',
        samples: histogramQuantile(quantile.value, asVector(evaluate(second as Expr, scrapes, at), 'histogram_quantile')),
      };
    }
  }
  throw new Error(`function ${expr.name} is not in the supported subset`);
}

/** The expression's value at `at` (Unix seconds), from the scrapes taken up to then. */
export function evaluate(expr: Expr, scrapes: readonly Scrape[], at: number): Value {
  switch (expr.type) {
    case 'number':
      return { type: 'scalar', value: expr.value };
    case 'selector': {
      if (expr.rangeSeconds !== undefined) throw new Error('a range vector can only be a function argument');
      const latest = [...scrapes].filter((scrape) => scrape.atSeconds <= at).sort((a, b) => b.atSeconds - a.atSeconds)[0];
      const samples = (latest?.samples ?? []).filter(
        (sample) => sample.labels[METRIC_NAME] === expr.name && expr.matchers.every((matcher) => matches(sample.labels, matcher)),
      );
      return { type: 'vector', samples };
    }
    case 'call':
      return evaluateCall(expr, scrapes, at);
    case 'aggregate':
      return { type: 'vector', samples: aggregate(expr.op, expr.by, asVector(evaluate(expr.arg, scrapes, at), expr.op)) };
    case 'negate':
      return binary('*', evaluate(expr.arg, scrapes, at), { type: 'scalar', value: -1 });
    case 'binary':
      return binary(expr.op, evaluate(expr.left, scrapes, at), evaluate(expr.right, scrapes, at));
  }
}

/** The samples an alert expression yields at the last scrape: each one is a firing alert. */
export function firing(source: string, scrapes: readonly Scrape[]): Sample[] {
  const at = Math.max(...scrapes.map((scrape) => scrape.atSeconds));
  const value = evaluate(parsePromql(source), scrapes, at);
  if (value.type !== 'vector') throw new Error('an alert expression must be a vector');
  return value.samples;
}
