import { describe, expect, it } from 'vitest';
import { message, thread } from '../testing/fixtures';
import { applyMessageToThreads, applyReadMark, filterThreads, markThreadRead, mergeThreadPage, sortThreads, totalUnread } from './threads';

const list = () => [
  thread({ id: 1, title: 'Иван', last_activity_at: '2026-11-01T09:00:00Z', last_message: { id: 5, direction: 'out', text: 'a', created_at: '2026-11-01T09:00:00Z' } }),
  thread({ id: 2, kind: 'group', title: 'Монтажники', color: '#ff0000', last_activity_at: '2026-11-01T08:00:00Z' }),
  thread({ id: 3, kind: 'contact', title: 'Unknown', last_activity_at: null }),
];

describe('sortThreads', () => {
  it('puts newest activity first and empty threads last', () => {
    const sorted = sortThreads([list()[2], list()[1], list()[0]]);
    expect(sorted.map((t) => t.id)).toEqual([1, 2, 3]);
  });

  it('puts the group before its members when a broadcast is the last message of all of them', () => {
    const at = '2026-11-01T09:00:00Z';
    const last = (id: number) => ({ id, direction: 'out' as const, text: 'x', created_at: at });
    const threads = [
      thread({ id: 12, kind: 'employee', title: 'Яковлев', last_activity_at: at, last_message: last(7) }),
      thread({ id: 13, kind: 'employee', title: 'Борисов', last_activity_at: at, last_message: last(7) }),
      thread({ id: 14, kind: 'contact', title: 'Unknown', last_activity_at: at, last_message: last(7) }),
      thread({ id: 11, kind: 'group', title: 'Монтажники', last_activity_at: at, last_message: last(7) }),
      thread({ id: 20, kind: 'employee', title: 'Абрамов', last_activity_at: at, last_message: last(8) }),
      thread({ id: 21, kind: 'group', title: 'Замерщики', last_activity_at: at, last_message: last(6) }),
    ];
    // same time: the newer message first; same message: group, contact, employees by id (as the server pages)
    expect(sortThreads(threads).map((t) => t.id)).toEqual([20, 11, 14, 12, 13, 21]);
  });

  it('merges a later page without replacing what events already updated', () => {
    const listed = [thread({ id: 1, title: 'Иван', unread: 3, last_activity_at: '2026-11-01T09:00:00Z' })];
    const page = [
      thread({ id: 1, title: 'Иван', unread: 0, last_activity_at: '2026-11-01T09:00:00Z' }),
      thread({ id: 2, title: 'Пётр', last_activity_at: '2026-10-01T09:00:00Z' }),
    ];
    const merged = mergeThreadPage(listed, page);
    expect(merged.map((t) => [t.id, t.unread])).toEqual([[1, 3], [2, 0]]);
    expect(mergeThreadPage(merged, [page[1]])).toBe(merged);
  });

  it('breaks a tie of kind and title by id', () => {
    const twins = [thread({ id: 9, title: 'Иван' }), thread({ id: 4, title: 'Иван' })];
    expect(sortThreads(twins).map((t) => t.id)).toEqual([4, 9]);
  });
});

describe('applyMessageToThreads', () => {
  it('bumps the thread to the top with the new preview', () => {
    const msg = message({ id: 10, direction: 'in', text: 'готово', created_at: '2026-11-01T10:00:00Z' });
    const { threads, unknownIds } = applyMessageToThreads(list(), msg, [2], null);
    expect(unknownIds).toEqual([]);
    expect(threads[0].id).toBe(2);
    expect(threads[0].last_message?.text).toBe('готово');
    expect(threads[0].unread).toBe(1);
  });
  it('puts the group thread above its members (by id) when a broadcast bumps them all', () => {
    const msg = message({ id: 10, direction: 'out', created_at: '2026-11-01T10:00:00Z' });
    const threads = [...list(), thread({ id: 4, title: 'Борис', last_activity_at: '2026-11-01T07:00:00Z' })];
    expect(applyMessageToThreads(threads, msg, [1, 2, 4], null).threads.map((t) => t.id)).toEqual([2, 1, 4, 3]);
  });
  it('does not count unread for the open thread', () => {
    const msg = message({ id: 10, direction: 'in', created_at: '2026-11-01T10:00:00Z' });
    const { threads } = applyMessageToThreads(list(), msg, [2], 2);
    expect(threads.find((t) => t.id === 2)?.unread).toBe(0);
  });
  it('keeps who wrote an outbound message, so a send by another user is not shown as «Вы»', () => {
    const msg = message({ id: 10, direction: 'out', author_name: 'Оператор', author_user_id: 7 });
    const preview = applyMessageToThreads(list(), msg, [1], null).threads[0].last_message;
    expect(preview).toMatchObject({ sender_name: 'Оператор', author_user_id: 7 });
  });
  it('does not count outbound messages as unread', () => {
    const msg = message({ id: 10, direction: 'out', created_at: '2026-11-01T10:00:00Z' });
    const { threads } = applyMessageToThreads(list(), msg, [1, 2], null);
    expect(threads.every((t) => t.unread === 0)).toBe(true);
  });
  it('is idempotent for a message already shown', () => {
    const msg = message({ id: 10, direction: 'in', created_at: '2026-11-01T10:00:00Z' });
    const once = applyMessageToThreads(list(), msg, [2], null).threads;
    const twice = applyMessageToThreads(once, msg, [2], null).threads;
    expect(twice.find((t) => t.id === 2)?.unread).toBe(1);
  });
  it('ignores an older message than the thread already has', () => {
    const msg = message({ id: 4, direction: 'in', created_at: '2026-11-01T08:30:00Z' });
    const { threads } = applyMessageToThreads(list(), msg, [1], null);
    expect(threads.find((t) => t.id === 1)?.unread).toBe(0);
  });
  it('reports thread ids it does not know', () => {
    const msg = message({ id: 10 });
    expect(applyMessageToThreads(list(), msg, [2, 99], null).unknownIds).toEqual([99]);
  });
  it('bumps every thread the message belongs to', () => {
    const msg = message({ id: 10, direction: 'in', created_at: '2026-11-01T10:00:00Z' });
    const { threads } = applyMessageToThreads(list(), msg, [2, 3], null);
    expect(threads.slice(0, 2).map((t) => t.id).sort()).toEqual([2, 3]);
    expect(totalUnread(threads)).toBe(2);
  });
});

describe('markThreadRead / filterThreads', () => {
  it('clears one badge', () => {
    const threads = list().map((t) => ({ ...t, unread: 2 }));
    expect(markThreadRead(threads, 2).map((t) => t.unread)).toEqual([2, 0, 2]);
  });
  it('takes the unread count of a read mark made in another tab', () => {
    const threads = list().map((t) => ({ ...t, unread: 2 }));
    expect(applyReadMark(threads, 3, 1).map((t) => t.unread)).toEqual([2, 2, 1]);
  });
  it('filters by title or preview', () => {
    expect(filterThreads(list(), 'монтаж').map((t) => t.id)).toEqual([2]);
    expect(filterThreads(list(), '  ').length).toBe(3);
  });
});
