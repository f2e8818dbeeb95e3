import { describe, expect, it } from 'vitest';
import { toPlainAscii } from './text.js';

describe('toPlainAscii', () => {
  it.each([
    ['São Paulo', 'Sao Paulo'],
    ['JOÃO DA CONCEIÇÃO', 'JOAO DA CONCEICAO'],
    ['Padaria Pão de Açúcar', 'Padaria Pao de Acucar'],
    ['Rua 1º de Maio', 'Rua 1o de Maio'],
    ['Ærø Straße', 'AEro Strasse'],
    ['  Ana   Júlia\tSilva ', 'Ana Julia Silva'],
    ['Fulano de Tal', 'Fulano de Tal'],
  ])('%s → %s', (input, output) => {
    expect(toPlainAscii(input)).toEqual({ ok: true, text: output });
  });

  it('keeps upper and lower case as given', () => {
    expect(toPlainAscii('Água Branca')).toEqual({ ok: true, text: 'Agua Branca' });
    expect(toPlainAscii('ÁGUA branca')).toEqual({ ok: true, text: 'AGUA branca' });
  });

  it('refuses characters with no ASCII spelling, or drops them when asked', () => {
    expect(toPlainAscii('Café ☕ da Ana')).toEqual({ ok: false, unsupported: ['☕'] });
    expect(toPlainAscii('Café ☕ da Ana', { dropUnsupported: true })).toEqual({ ok: true, text: 'Cafe da Ana' });
    expect(toPlainAscii('東京')).toEqual({ ok: false, unsupported: ['東', '京'] });
  });
});
