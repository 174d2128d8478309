import { describe, expect, it } from 'vitest';
import { tEn, tRu } from '../testing/translators';
import { noRepliesHint, operatorName } from './operator';
import { broadcastNote, summaryText, summaryTone } from './summary';
import { formatRelative } from './time';

describe('summaryText', () => {
  it('says «Доставлено 47 из 50, 3 ожидают»', () => {
    const s = { total: 50, counts: { Delivered: 47, Pending: 1, Sent: 2 } };
    expect(summaryText(s, tRu)).toBe('Доставлено 47 из 50, 3 ожидают');
    expect(summaryText(s, tEn)).toBe('Delivered 47 of 50, 3 pending');
  });
  it('uses the singular verb for one', () => {
    expect(summaryText({ total: 2, counts: { Delivered: 1, Sending: 1 } }, tRu)).toBe('Доставлено 1 из 2, 1 ожидает');
  });
  it('names failures and cancellations', () => {
    const s = { total: 4, counts: { Delivered: 1, Error: 1, TimedOut: 1, Cancelled: 1 } };
    expect(summaryText(s, tRu)).toBe('Доставлено 1 из 4, 2 не доставлено, 1 отменено');
    expect(summaryTone(s)).toBe('failed');
  });
  it('handles no recipients', () => {
    expect(summaryText({ total: 0, counts: {} }, tEn)).toBe('No recipients');
  });
  it('puts a broadcast\'s aggregate as a note: «рассылка: доставлено 7 из 7»', () => {
    expect(broadcastNote({ total: 7, counts: { Delivered: 7 } }, tRu)).toBe('рассылка: доставлено 7 из 7');
    expect(broadcastNote({ total: 7, counts: { Delivered: 5, Sent: 2 } }, tEn)).toBe('broadcast: delivered 5 of 7, 2 pending');
  });
  it('tones', () => {
    expect(summaryTone({ total: 1, counts: { Delivered: 1 } })).toBe('done');
    expect(summaryTone({ total: 1, counts: { Sent: 1 } })).toBe('progress');
  });
});

describe('formatRelative', () => {
  const now = new Date(2026, 10, 1, 15, 0, 0);
  const at = (d: Date) => d.toISOString();
  it('says now, minutes, clock, yesterday, date', () => {
    expect(formatRelative(at(new Date(2026, 10, 1, 14, 59, 30)), now, 'ru', tRu)).toBe('сейчас');
    expect(formatRelative(at(new Date(2026, 10, 1, 14, 55, 0)), now, 'ru', tRu)).toBe('5 мин');
    expect(formatRelative(at(new Date(2026, 10, 1, 9, 5, 0)), now, 'ru', tRu)).toBe('09:05');
    expect(formatRelative(at(new Date(2026, 9, 31, 23, 0, 0)), now, 'ru', tRu)).toBe('вчера');
    expect(formatRelative(at(new Date(2026, 2, 12, 10, 0, 0)), now, 'en', tEn)).toBe('Mar 12');
    expect(formatRelative(at(new Date(2025, 2, 12, 10, 0, 0)), now, 'ru', tRu)).toBe('12.03.2025');
    expect(formatRelative(null, now, 'ru', tRu)).toBe('');
  });
});

describe('noRepliesHint', () => {
  const employee = (operator: string | null, reply_capable: boolean) => ({ operator, reply_capable });
  it('names the operator whose replies cannot come back', () => {
    expect(noRepliesHint(employee('MegaFon', false), tRu)).toBe('ответы не дойдут — оператор МегаФон');
    expect(noRepliesHint(employee('Beeline', false), tEn)).toBe("replies can't come back — operator Beeline");
    expect(noRepliesHint(employee('other', false), tRu)).toBe('ответы не дойдут — другой оператор');
  });
  it('says nothing when replies come back, or for no employee (a raw number)', () => {
    expect(noRepliesHint(employee('MTS', true), tRu)).toBeNull();
    expect(noRepliesHint(employee(null, true), tRu)).toBeNull();
    expect(noRepliesHint(undefined, tRu)).toBeNull();
  });
  it('shows an unlisted operator code as it is', () => {
    expect(operatorName('Yota', tRu)).toBe('Yota');
    expect(operatorName('T2', tRu)).toBe('T2');
  });
});
