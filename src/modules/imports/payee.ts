/**
 * How two descriptions of the same payee are recognised: the bank writes "PIX ENVIADO
 * UBER*TRIP 0412", the person typed "Uber", last month's export said "Uber Trip Sao
 * Paulo". Pure functions, used by the category guess, the rules and the duplicate check.
 */

/** Words banks put around the payee's name that say nothing about who was paid. */
const NOISE_WORDS: ReadonlySet<string> = new Set([
  'pix',
  'ted',
  'doc',
  'tef',
  'compra',
  'compras',
  'pagamento',
  'pagto',
  'pgto',
  'pag',
  'debito',
  'credito',
  'cartao',
  'transferencia',
  'transf',
  'enviada',
  'enviado',
  'recebida',
  'recebido',
  'de',
  'da',
  'do',
  'das',
  'dos',
  'em',
  'no',
  'na',
  'com',
  'para',
  'a',
  'o',
  'e',
  'elo',
  'visa',
  'master',
  'mastercard',
  'nacional',
  'internacional',
  'aut',
  'parc',
  'parcela',
  'ltda',
  'sa',
  'me',
  'eireli',
]);

/** The payee key is made of at most this many leading key tokens. */
export const PAYEE_KEY_TOKENS_MAX = 3;
/**
 * Token overlap (shared / fewer tokens) above which two descriptions are the same payee:
 * more than half, so "Padaria Real" and "Farmácia Real" (one word of two) are not. A false
 * match would keep a real movement out of the books (a duplicate is not posted), so the
 * check leans towards posting; a movement posted twice shows in the preview and is undone.
 */
export const SIMILARITY_MIN = 0.5;

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/**
 * Lower case, accents removed, digits and punctuation turned into spaces, spaces collapsed:
 * the text rules match against ("uber" in "pix enviado uber trip").
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

/** The words of a description that name the payee, in order, without the banks' noise. */
export function keyTokens(text: string): string[] {
  return tokensOfNormalised(normaliseText(text));
}

function tokensOfNormalised(normalised: string): string[] {
  // A single letter is an initial or a leftover of punctuation ("uber*trip" → "uber trip" is fine, "s a" is not).
  return normalised.split(' ').filter((word) => word.length > 1 && !NOISE_WORDS.has(word));
}

/** The key past transactions are grouped by: the first few key tokens ("" when there are none). */
export function payeeKey(text: string): string {
  return keyTokens(text).slice(0, PAYEE_KEY_TOKENS_MAX).join(' ');
}

/** A description as the payee comparison reads it, worked out once when it is compared with many. */
export interface PayeeText {
  normalised: string;
  tokens: ReadonlySet<string>;
}

export function payeeText(text: string): PayeeText {
  const normalised = normaliseText(text);
  return { normalised, tokens: new Set(tokensOfNormalised(normalised)) };
}

/**
 * Whether two descriptions name the same payee: the same key, or enough shared key tokens
 * measured against the shorter description (so "Uber" and "UBER TRIP 0412" agree).
 */
export function similarPayees(a: string, b: string): boolean {
  return similarPayeeTexts(payeeText(a), payeeText(b));
}

export function similarPayeeTexts(left: PayeeText, right: PayeeText): boolean {
  if (left.tokens.size === 0 || right.tokens.size === 0) return left.normalised === right.normalised;
  let shared = 0;
  for (const token of left.tokens) if (right.tokens.has(token)) shared += 1;
  return shared / Math.min(left.tokens.size, right.tokens.size) > SIMILARITY_MIN;
}

/**
 * The most descriptions one line's is compared with, among those its other terms already
 * matched (the same day and amount, the same installment): real statements have a handful,
 * while a crafted file of tens of thousands alike would make the comparisons quadratic. A
 * match beyond them is missed, so the line is posted and shows in the preview (the check
 * leans towards posting, as SIMILARITY_MIN says).
 */
export const PAYEE_CANDIDATES_MAX = 50;
