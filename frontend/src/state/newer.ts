/** «↓ 3 новых» and the unread divider of the open thread: what arrived while the user looked elsewhere. */

export interface NewerState {
  /** the newest message id the user has seen at the bottom of the list */
  seenUpTo: number | null;
  /** messages newer than seenUpTo that arrived while scrolled up */
  unseen: number;
  /** the first message below the «Новые сообщения» divider, until the thread is opened again */
  dividerBefore: number | null;
}

interface Item {
  id: number;
  direction: 'in' | 'out';
}

/**
 * On opening a thread: the divider goes above the oldest of its `unread` newest inbound messages;
 * everything loaded counts as seen (the view starts at the bottom).
 */
export function openedNewer(messages: Item[], unread: number): NewerState {
  const inbound = messages.filter((m) => m.direction === 'in');
  const first = unread > 0 ? inbound[Math.max(0, inbound.length - unread)] : undefined;
  return { seenUpTo: messages.at(-1)?.id ?? null, unseen: 0, dividerBefore: first?.id ?? null };
}

/** The message list changed (ids ascending): count what is new if the user is scrolled up, else see it. */
export function arrivedNewer(state: NewerState, messages: Item[], atBottom: boolean): NewerState {
  const last = messages.at(-1)?.id ?? null;
  if (state.seenUpTo === null || last === null) return { ...state, seenUpTo: last };
  const seenUpTo = state.seenUpTo;
  const fresh = messages.filter((m) => m.id > seenUpTo);
  if (fresh.length === 0) return state;
  if (atBottom) return { ...state, seenUpTo: last, unseen: 0 };
  return { ...state, unseen: fresh.length, dividerBefore: state.dividerBefore ?? fresh[0].id };
}

/** The user reached the bottom (or jumped there): all is seen; the divider stays where it was. */
export function reachedBottom(state: NewerState, messages: Item[]): NewerState {
  const last = messages.at(-1)?.id ?? state.seenUpTo;
  return state.unseen === 0 && state.seenUpTo === last ? state : { ...state, seenUpTo: last, unseen: 0 };
}
