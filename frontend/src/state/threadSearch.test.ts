import { describe, expect, it } from 'vitest';
import type { ThreadRead } from '../api/types';
import { phoneDigitsMatch } from './search';
import { filterThreads } from './threads';

const thread = (id: number, title: string): ThreadRead =>
  ({ id, kind: 'employee', ref_id: id, title, color: null, last_message: null, last_activity_at: null, unread: 0 }) as ThreadRead;

describe('thread search by phone number', () => {
  const threads = [thread(1, 'Иванов Сергей'), thread(2, 'Петров Алексей')];
  const phones: Record<number, string> = { 1: '+79161000001', 2: '+79262000002' };
  const phoneOf = (t: ThreadRead) => phones[t.id];

  it.each(['+7 916 100-00-01', '8 (916) 100 00 01', '89161000001', '9161000001', '916100', '000001'])(
    'finds the thread by %s',
    (query) => {
      expect(filterThreads(threads, query, phoneOf).map((t) => t.id)).toEqual([1]);
    },
  );

  it('still finds by name, and not by a phone the thread does not have', () => {
    expect(filterThreads(threads, 'петров', phoneOf).map((t) => t.id)).toEqual([2]);
    expect(filterThreads(threads, '8 903 111', phoneOf)).toEqual([]);
    expect(filterThreads(threads, '89161000001').map((t) => t.id)).toEqual([]);
  });

  it('reads a leading 8 as the trunk prefix only at the start of a number', () => {
    expect(phoneDigitsMatch('8916', '+79161000001')).toBe(true);
    expect(phoneDigitsMatch('8916', '+74951891600')).toBe(true); // the digits themselves also match
    expect(phoneDigitsMatch('8 926', '+79161000001')).toBe(false);
  });
});
