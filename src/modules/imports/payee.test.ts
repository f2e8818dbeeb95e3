import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchRule, ruleMatcher } from './guess.js';
import type { RuleRow } from './imports.repository.js';
import { keyTokens, normaliseText, payeeKey, similarPayees } from './payee.js';

describe('payee text', () => {
  it('normalises case, accents, digits and punctuation', () => {
    expect(normaliseText('  PIX ENVIADO – Pão de Açúcar*123 / SP ')).toBe('pix enviado pao de acucar sp');
  });

  it('keeps the payee words and drops the banks’ noise', () => {
    expect(keyTokens('COMPRA CARTAO DEBITO UBER *TRIP 0412')).toEqual(['uber', 'trip']);
    expect(payeeKey('Pagamento de boleto Enel Distribuição São Paulo')).toBe('boleto enel distribuicao');
  });

  it('recognises the same payee written differently, and tells different ones apart', () => {
    expect(similarPayees('Uber', 'PIX ENVIADO UBER TRIP 0412')).toBe(true);
    expect(similarPayees('Mercado Pão de Açúcar', 'COMPRA CARTAO MERCADO PAO DE ACUCAR 123')).toBe(true);
    expect(similarPayees('Padaria Real', 'Farmácia Real Drogaria')).toBe(false);
    expect(similarPayees('Uber', 'Uber Eats')).toBe(true);
    expect(similarPayees('PIX', 'PIX')).toBe(true);
    expect(similarPayees('PIX', 'TED')).toBe(false);
  });
});

describe('rules', () => {
  const rule = (pattern: string, kind: 'income' | 'expense', id = pattern): RuleRow => ({
    id,
    pattern,
    category_id: `category-${id}`,
    kind,
    created_at: new Date(0),
  });

  it('match whole words of the normalised description, the longest first, of the line’s kind only', () => {
    const rules = [rule('uber', 'expense'), rule('uber eats', 'expense'), rule('uber', 'income', 'refund')];
    expect(matchRule(rules, 'PIX ENVIADO UBER*TRIP', 'expense')?.id).toBe('uber');
    expect(matchRule(rules, 'UBER EATS 0412', 'expense')?.id).toBe('uber eats');
    expect(matchRule(rules, 'Estorno Uber', 'income')?.id).toBe('refund');
    expect(matchRule(rules, 'SUBERBANK', 'expense')).toBeUndefined();
  });
  it('the index finds what checking every rule finds, ties going to the earlier rule', () => {
    const word = fc.constantFrom('uber', 'eats', 'pix', 'mercado', 'sol', 'lua');
    const pattern = fc.array(word, { minLength: 1, maxLength: 3 }).map((words) => words.join(' '));
    const kind = fc.constantFrom('income' as const, 'expense' as const);
    const everyRule = (rules: RuleRow[], description: string, of: 'income' | 'expense') => {
      const text = ` ${normaliseText(description)} `;
      let best: RuleRow | undefined;
      for (const one of rules) {
        if (one.kind !== of || !text.includes(` ${one.pattern} `)) continue;
        if (!best || one.pattern.length > best.pattern.length) best = one;
      }
      return best;
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(pattern, kind), { maxLength: 12 }),
        fc.array(fc.tuple(fc.array(word, { maxLength: 6 }), kind), { maxLength: 10 }),
        (specs, lines) => {
          const rules = specs.map(([text, of], index) => rule(text, of, `r${index}`));
          const match = ruleMatcher(rules);
          for (const [words, of] of lines) {
            const description = `PIX ${words.join(' ').toUpperCase()} 0412`;
            expect(match(description, of)?.id).toBe(everyRule(rules, description, of)?.id);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
