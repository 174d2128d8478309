/**
 * Read state (issue 11): read marks belong to messages. A `thread.read` event names each message once
 * ever, with how many of each thread's unread it cleared, so the counts are subtracted exactly; the
 * thread-list filters and the reply window live here too.
 */
import type { ThreadRead, ThreadReadCount } from '../api/types';

export type ThreadFilter = 'all' | 'unread' | 'groups' | 'people' | 'tags';

/** Subtract what a read mark cleared (never below zero: a count the list already had cleared stays 0). */
export function applyReadCounts(threads: ThreadRead[], counts: ThreadReadCount[]): ThreadRead[] {
  const read = new Map(counts.map((c) => [c.thread_id, c.read]));
  return threads.map((t) => {
    const cleared = read.get(t.id);
    return cleared ? { ...t, unread: Math.max(0, t.unread - cleared) } : t;
  });
}

/** The distinct unread total after a read mark: each named message once. */
export function applyReadTotal(total: number, messageIds: number[]): number {
  return Math.max(0, total - messageIds.length);
}

/** Threads a list filter keeps: «Непрочитанные», «Группы», «Люди» (employees and contacts), «Теги». */
export function filterByKind(threads: ThreadRead[], filter: ThreadFilter): ThreadRead[] {
  switch (filter) {
    case 'unread':
      return threads.filter((t) => t.unread > 0);
    case 'groups':
      return threads.filter((t) => t.kind === 'group');
    case 'people':
      return threads.filter((t) => t.kind === 'employee' || t.kind === 'contact');
    case 'tags':
      return threads.filter((t) => t.kind === 'tag');
    default:
      return threads;
  }
}

/** Unread messages in the threads a filter keeps (a message in two of them counts in each). */
export function unreadIn(threads: ThreadRead[], filter: ThreadFilter): number {
  return filterByKind(threads, filter).reduce((sum, t) => sum + t.unread, 0);
}

/** A thread whose subject changed (a contact named, or made an employee). */
export function applyThreadUpdate(
  threads: ThreadRead[],
  update: { thread_id: number; kind: string; ref_id: number; title: string; phone?: string | null },
): ThreadRead[] {
  return threads.map((t) =>
    t.id === update.thread_id
      ? { ...t, kind: update.kind as ThreadRead['kind'], ref_id: update.ref_id, title: update.title, phone: update.phone ?? null }
      : t,
  );
}

/** Whether an SMS received at `receivedAt` is still filed under an outbound sent at `sentAt` (the server's rule). */
export function isWithinReplyWindow(sentAt: Date, receivedAt: Date, windowHours: number): boolean {
  return receivedAt.getTime() - sentAt.getTime() <= windowHours * 3_600_000;
}

/** A reminder just sent: its original (if held) lists it, so both show the link. */
export function linkFollowUp<M extends { id: number; follow_up_of?: number | null; follow_up_ids?: number[] }>(
  messages: M[],
  reminder: M,
): M[] {
  const original = reminder.follow_up_of;
  if (!original) return messages;
  return messages.map((m) =>
    m.id === original && !(m.follow_up_ids ?? []).includes(reminder.id)
      ? { ...m, follow_up_ids: [...(m.follow_up_ids ?? []), reminder.id] }
      : m,
  );
}
