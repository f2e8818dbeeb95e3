import { describe, expect, it } from 'vitest';
import { budgetAlertValues } from './text';

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
