import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/locales/en';
import { ptBR } from '../../i18n/locales/pt-BR';
import { budgetAlertValues, recurringFailedValues, weeklySummaryValues } from './text';

const categoryLabel = (category: { name: string; system_key: string | null }) =>
  category.system_key === 'food' && category.name === 'Alimentação' ? 'Food' : category.name;

describe('budgetAlertValues', () => {
  it('names the month alone in the reader language and the category as the person sees it', () => {
    const params = {
      threshold: 80,
      category_name: 'Alimentação',
      category_system_key: 'food',
      month: '2026-12',
    };
    expect(budgetAlertValues(params, { language: 'pt-BR', categoryLabel })).toEqual({
      threshold: 80,
      category: 'Food',
      month: 'dezembro',
    });
    expect(budgetAlertValues({ ...params, category_name: 'Mercado' }, { language: 'en', categoryLabel })).toEqual({
      threshold: 80,
      category: 'Mercado',
      month: 'December',
    });
  });

  it('says nothing wrong when figures are missing or malformed', () => {
    expect(budgetAlertValues({ threshold: '80', month: '2026-13' }, { language: 'pt-BR', categoryLabel })).toEqual({
      threshold: 0,
      category: '',
      month: '',
    });
  });
});

describe('weeklySummaryValues', () => {
  const params = { week: '2026-W48', from_day: '2026-11-23', to_day: '2026-11-29', spent_cents: 123_456, income_cents: 200_000 };
  const sentence = (template: string, values: Record<string, string>) =>
    template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');

  it('reads the week, spending and income from the params, in the reader language', () => {
    const pt = weeklySummaryValues(params, { language: 'pt-BR' });
    expect(pt).toEqual({ week: '23/11', spent: 'R$\u00a01.234,56', income: 'R$\u00a02.000,00' });
    expect(sentence(ptBR.notifications.weeklySummaryFigures, pt ?? {}).replace(/\u00a0/g, ' ')).toBe(
      'Semana de 23/11: gastos R$ 1.234,56, receitas R$ 2.000,00',
    );
    const english = weeklySummaryValues(params, { language: 'en' });
    expect(english?.week).toBe('11/23');
    expect(sentence(en.notifications.weeklySummaryFigures, english ?? {}).replace(/\u00a0/g, ' ')).toBe(
      'Week of 11/23: spent R$ 1.234,56, income R$ 2.000,00',
    );
  });

  it('is null when a figure is missing or malformed', () => {
    expect(weeklySummaryValues({ ...params, spent_cents: '123' }, { language: 'pt-BR' })).toBeNull();
    expect(weeklySummaryValues({ ...params, income_cents: null }, { language: 'pt-BR' })).toBeNull();
    expect(weeklySummaryValues({ ...params, from_day: '2026-02-30' }, { language: 'pt-BR' })).toBeNull();
    expect(weeklySummaryValues({ ...params, income_cents: 1.5 }, { language: 'en' })).toBeNull();
  });
});

describe('recurringFailedValues', () => {
  it('gives the bill, its day written dd/mm/aaaa, its amount and the failure code', () => {
    expect(
      recurringFailedValues({
        description: 'Feira',
        occurs_on: '2026-06-15',
        amount_cents: 5_000,
        failure_code: 'insufficient_funds',
      }),
    ).toEqual({ description: 'Feira', date: '15/06/2026', amount: 'R$\u00a050,00', code: 'insufficient_funds' });
  });

  it('is null when what the server stored is malformed, so the bell says only that one failed', () => {
    expect(recurringFailedValues({ description: 'Feira', occurs_on: '15/06/2026', amount_cents: 5_000 })).toBeNull();
    expect(recurringFailedValues({ description: 'Feira', occurs_on: '2026-06-15', amount_cents: '5000' })).toBeNull();
    expect(recurringFailedValues({ occurs_on: '2026-06-15', amount_cents: 5_000 })).toBeNull();
    expect(ptBR.notifications.recurringFailed).not.toBe(en.notifications.recurringFailed);
  });
});
