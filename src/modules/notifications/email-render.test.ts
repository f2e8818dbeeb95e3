import { describe, expect, it } from 'vitest';
import { renderEmail } from './email-render.js';

const base = {
  link: '/orcamentos?mes=2027-01',
  appUrl: 'https://pix.example.org',
  unsubscribeUrl: 'https://pix.example.org/api/notifications/unsubscribe?token=t',
};

describe('renderEmail', () => {
  it('writes a budget alert in English and escapes what people typed in the HTML', () => {
    const email = renderEmail({
      ...base,
      kind: 'budget_alert',
      language: 'en',
      name: '<b>Ana</b>',
      params: { category_name: 'Café & "Pão"', threshold: 100, month: '2027-01', spent_cents: 10_050, limit_cents: 10_000 },
    });
    expect(email.subject).toBe('You reached 100% of your Café & "Pão" budget');
    expect(email.text).toContain('Spent: R$\u00a0100,50 of R$\u00a0100,00.');
    expect(email.html).toContain('&lt;b&gt;Ana&lt;/b&gt;');
    expect(email.html).toContain('Café &amp; &quot;Pão&quot;');
    expect(email.html).not.toContain('<b>Ana</b>');
    expect(email.text).toContain(base.unsubscribeUrl);
  });

  it('reads missing or mistyped figures as zero rather than failing', () => {
    const email = renderEmail({ ...base, kind: 'weekly_summary', language: 'pt-BR', name: 'Ana', params: { spent_cents: 'x' } });
    expect(email.text).toContain('Gastos: R$\u00a00,00');
    expect(email.text).toContain('Nenhum orçamento neste mês.');
    expect(email.text).toContain('Nenhuma conta prevista para a próxima semana.');
  });

  it('says which recurring bill was not posted, on which day, for how much and why, in either language', () => {
    const params = {
      description: 'Aluguel <já>',
      occurs_on: '2027-01-05',
      amount_cents: 150_000,
      failure_code: 'insufficient_funds',
    };
    const pt = renderEmail({ ...base, link: '/recorrentes', kind: 'recurring_failed', language: 'pt-BR', name: 'Ana', params });
    expect(pt.subject).toBe('Não foi possível lançar "Aluguel <já>"');
    expect(pt.text).toContain(
      'A recorrência "Aluguel <já>" de 05/01/2027 (R$\u00a01.500,00) não foi lançada: saldo insuficiente na conta.',
    );
    expect(pt.text).toContain('https://pix.example.org/recorrentes');
    expect(pt.html).toContain('Aluguel &lt;já&gt;');
    const en = renderEmail({
      ...base,
      kind: 'recurring_failed',
      language: 'en',
      name: 'Ana',
      params: { ...params, failure_code: 'something_new' },
    });
    expect(en.text).toContain(
      'The recurring item "Aluguel <já>" of 2027-01-05 (R$\u00a01.500,00) was not posted: the posting was refused.',
    );
  });
});
