import { describe, expect, it } from 'vitest';
import { arrivedNewer, openedNewer, reachedBottom } from './newer';

const msg = (id: number, direction: 'in' | 'out' = 'in') => ({ id, direction });

describe('new messages while scrolled up', () => {
  it('puts the divider above the unread inbound messages on opening', () => {
    const messages = [msg(1, 'out'), msg(2), msg(3, 'out'), msg(4), msg(5)];
    expect(openedNewer(messages, 2)).toEqual({ seenUpTo: 5, unseen: 0, dividerBefore: 4 });
    expect(openedNewer(messages, 0).dividerBefore).toBeNull();
    expect(openedNewer([], 3)).toEqual({ seenUpTo: null, unseen: 0, dividerBefore: null });
  });

  it('counts arrivals while scrolled up and marks the first with the divider', () => {
    let state = openedNewer([msg(1), msg(2)], 0);
    state = arrivedNewer(state, [msg(1), msg(2), msg(3)], false);
    expect(state).toEqual({ seenUpTo: 2, unseen: 1, dividerBefore: 3 });
    state = arrivedNewer(state, [msg(1), msg(2), msg(3), msg(4), msg(5)], false);
    expect(state).toEqual({ seenUpTo: 2, unseen: 3, dividerBefore: 3 });
  });

  it('counts nothing at the bottom, and reaching the bottom clears the count but keeps the divider', () => {
    let state = openedNewer([msg(1)], 0);
    state = arrivedNewer(state, [msg(1), msg(2)], true);
    expect(state).toEqual({ seenUpTo: 2, unseen: 0, dividerBefore: null });
    state = arrivedNewer(state, [msg(1), msg(2), msg(3)], false);
    state = reachedBottom(state, [msg(1), msg(2), msg(3)]);
    expect(state).toEqual({ seenUpTo: 3, unseen: 0, dividerBefore: 3 });
  });

  it('older pages loaded above do not count as new', () => {
    const state = openedNewer([msg(10), msg(11)], 0);
    expect(arrivedNewer(state, [msg(5), msg(6), msg(10), msg(11)], false)).toBe(state);
  });

  it('a thread that was empty when opened starts counting from its first message', () => {
    const state = arrivedNewer(openedNewer([], 0), [msg(7)], false);
    expect(state).toEqual({ seenUpTo: 7, unseen: 0, dividerBefore: null });
  });
});
