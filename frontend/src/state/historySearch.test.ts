import { describe, expect, it } from 'vitest';
import { asksForSomething, dayBound, emptySearchForm, searchFilters, searchQuery } from './historySearch';

describe('history search form', () => {
  it('keeps only what is set', () => {
    expect(searchFilters(emptySearchForm())).toEqual({});
    expect(asksForSomething({})).toBe(false);
    const filters = searchFilters({ ...emptySearchForm(), q: '  аварии  ', employeeId: '7', direction: 'in', status: 'Delivered' });
    expect(filters).toEqual({ q: 'аварии', employee_id: 7, direction: 'in', status: 'Delivered' });
    expect(asksForSomething(filters)).toBe(true);
  });
  it('asks for a lone #tag as the tag', () => {
    expect(searchFilters({ ...emptySearchForm(), q: '#1234' })).toEqual({ tag: '#1234' });
    expect(searchFilters({ ...emptySearchForm(), q: '#1234 готово' })).toEqual({ q: '#1234 готово' });
  });
  it('turns days into local day bounds', () => {
    const start = new Date(dayBound('2026-03-05'));
    expect([start.getFullYear(), start.getMonth(), start.getDate(), start.getHours()]).toEqual([2026, 2, 5, 0]);
    const end = new Date(dayBound('2026-03-05', true));
    expect([end.getDate(), end.getHours(), end.getMinutes()]).toEqual([5, 23, 59]);
    expect(dayBound('')).toBe('');
    expect(dayBound('05.03.2026')).toBe('');
    const filters = searchFilters({ ...emptySearchForm(), since: '2026-03-05', until: '2026-03-06' });
    expect(filters.since).toBe(start.toISOString());
    expect(new Date(filters.until ?? '').getDate()).toBe(6);
  });
  it('builds the query string with the cursor', () => {
    expect(searchQuery({ q: 'a b', group_id: 3 }, '99').toString()).toBe('q=a+b&group_id=3&cursor=99');
    expect(searchQuery({}).toString()).toBe('');
  });
});
