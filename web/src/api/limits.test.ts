import { describe, expect, it } from 'vitest';
import { bodyItemLimit, bodyLimit, queryLimit } from './limits';

describe('limits from the OpenAPI document', () => {
  it('reads body, query, nullable and variant limits', () => {
    expect(bodyLimit('post', '/api/transactions', 'description', 'maxLength')).toBe(200);
    expect(bodyLimit('post', '/api/transactions', 'notes', 'maxLength')).toBe(2000);
    expect(queryLimit('get', '/api/transactions', 'q', 'maxLength')).toBe(100);
    expect(queryLimit('get', '/api/accounts', 'limit', 'maximum')).toBe(100);
    expect(bodyLimit('post', '/api/auth/register', 'password', 'minLength')).toBe(10);
    expect(bodyLimit('put', '/api/budgets/{month}/{category_id}', 'alert_thresholds', 'maxItems')).toBe(5);
    // PATCH notes is nullable: the limit sits on the string branch of anyOf.
    expect(bodyLimit('patch', '/api/transactions/{id}', 'notes', 'maxLength')).toBe(2000);
    expect(bodyLimit('post', '/api/recurring', 'schedule', 'maximum', 'days')).toBe(366);
    expect(queryLimit('get', '/api/recurring/upcoming', 'days', 'maximum')).toBe(366);
    expect(bodyItemLimit('put', '/api/budgets/{month}/{category_id}', 'alert_thresholds', 'minimum')).toBe(1);
    expect(bodyItemLimit('put', '/api/budgets/{month}/{category_id}', 'alert_thresholds', 'maximum')).toBe(1000);
  });

  it('throws when the document lacks the field or the keyword, so a rename cannot pass silently', () => {
    expect(() => bodyLimit('post', '/api/transactions', 'descripton' as 'description', 'maxLength')).toThrow(
      /no maxLength for POST \/api\/transactions body\.descripton/,
    );
    expect(() => bodyLimit('post', '/api/transactions', 'account_id', 'maxLength')).toThrow(/no maxLength/);
    expect(() => bodyLimit('post', '/api/recurring', 'schedule', 'maximum', 'weeks')).toThrow(/schedule\.weeks/);
    expect(() => queryLimit('get', '/api/transactions', 'query' as 'q', 'maxLength')).toThrow(/\?query/);
    expect(() => bodyItemLimit('post', '/api/transactions', 'description', 'minimum')).toThrow(/body\.description\[\]/);
  });
});
