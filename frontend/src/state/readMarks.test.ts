import { describe, expect, it } from 'vitest';
import type { ThreadRead } from '../api/types';
import { applyReadCounts, applyReadTotal, applyThreadUpdate, filterByKind, isWithinReplyWindow, linkFollowUp, unreadIn } from './readMarks';

function thread(id: number, kind: ThreadRead['kind'], unread: number): ThreadRead {
  return { id, kind, ref_id: id, title: `t${id}`, color: null, last_message: null, last_activity_at: null, unread };
}

describe('read marks', () => {
  const list = [thread(1, 'group', 3), thread(2, 'employee', 1), thread(3, 'contact', 0), thread(4, 'employee', 2)];

  it('one reply read in the person thread clears it in the group thread too', () => {
    const next = applyReadCounts(list, [
      { thread_id: 1, read: 1 },
      { thread_id: 2, read: 1 },
    ]);
    expect(next.map((t) => t.unread)).toEqual([2, 0, 0, 2]);
    expect(next[2]).toBe(list[2]); // untouched threads keep their identity
  });

  it('never goes below zero (a thread the list had cleared already)', () => {
    expect(applyReadCounts(list, [{ thread_id: 2, read: 5 }])[1].unread).toBe(0);
  });

  it('the total counts each message once', () => {
    expect(applyReadTotal(4, [10, 11])).toBe(2);
    expect(applyReadTotal(1, [10, 11])).toBe(0);
  });

  it('filters: unread, groups, people', () => {
    expect(filterByKind(list, 'unread').map((t) => t.id)).toEqual([1, 2, 4]);
    expect(filterByKind(list, 'groups').map((t) => t.id)).toEqual([1]);
    expect(filterByKind(list, 'people').map((t) => t.id)).toEqual([2, 3, 4]);
    expect(filterByKind(list, 'all')).toBe(list);
  });

  it('«Теги» keeps tag threads only, and counts their unread', () => {
    const withTags = [...list, thread(5, 'tag', 2), thread(6, 'tag', 0)];
    expect(filterByKind(withTags, 'tags').map((t) => t.id)).toEqual([5, 6]);
    expect(filterByKind(withTags, 'people').map((t) => t.id)).toEqual([2, 3, 4]);
    expect(filterByKind(withTags, 'groups').map((t) => t.id)).toEqual([1]);
    expect(unreadIn(withTags, 'tags')).toBe(2);
  });

  it('a contact thread that became an employee thread', () => {
    const next = applyThreadUpdate(list, { thread_id: 3, kind: 'employee', ref_id: 9, title: 'Зайцев', phone: null });
    expect(next[2]).toMatchObject({ kind: 'employee', ref_id: 9, title: 'Зайцев', phone: null });
  });
});

describe('reply window', () => {
  const sent = new Date('2026-01-01T09:00:00Z');
  it('nests within the window, inclusive', () => {
    expect(isWithinReplyWindow(sent, new Date('2026-01-01T21:00:00Z'), 12)).toBe(true);
  });
  it('stands alone after it', () => {
    expect(isWithinReplyWindow(sent, new Date('2026-01-01T21:00:01Z'), 12)).toBe(false);
    expect(isWithinReplyWindow(sent, new Date('2026-01-01T09:01:00Z'), 0)).toBe(false);
  });
});

describe('follow-ups', () => {
  it('the original lists a reminder once', () => {
    const messages = [{ id: 1, follow_up_ids: [] as number[] }, { id: 2 }];
    const reminder = { id: 3, follow_up_of: 1 };
    const once = linkFollowUp(messages, reminder);
    expect(once[0].follow_up_ids).toEqual([3]);
    expect(linkFollowUp(once, reminder)).toEqual(once);
    expect(linkFollowUp(messages, { id: 4 })).toBe(messages);
  });
});
