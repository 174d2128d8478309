/** Thread-list reducer: bump on new messages, unread counts, newest activity first. */
import type { MessageRead, ThreadRead } from '../api/types';
import { matchesQuery } from './search';

export interface ThreadListResult {
  threads: ThreadRead[];
  /** thread ids the event named that the list does not know: the list must be refetched */
  unknownIds: number[];
}

function activityKey(thread: ThreadRead): number {
  return thread.last_activity_at ? Date.parse(thread.last_activity_at) || 0 : 0;
}

/** A broadcast is the last message of its tag's and group's threads and of every member's: tag, then group first. */
const KIND_ORDER: Record<ThreadRead['kind'], number> = { tag: 0, group: 1, contact: 2, employee: 3 };

/**
 * Newest activity first (threads without activity last), then the newer last message; threads that
 * share their last message: tag, group, contact, then employee threads, each by id. The server pages
 * the list in the same order, so a page loaded later never slips in above the rows already shown.
 */
export function sortThreads(threads: ThreadRead[]): ThreadRead[] {
  return [...threads].sort(
    (a, b) =>
      activityKey(b) - activityKey(a) ||
      (b.last_message?.id ?? 0) - (a.last_message?.id ?? 0) ||
      (KIND_ORDER[a.kind] ?? 3) - (KIND_ORDER[b.kind] ?? 3) ||
      a.id - b.id,
  );
}

/**
 * Apply one new message to the threads it belongs to.
 * Idempotent: a thread whose last message is this one or newer is not bumped again.
 */
export function applyMessageToThreads(
  threads: ThreadRead[],
  message: MessageRead,
  threadIds: number[],
  openThreadId: number | null,
): ThreadListResult {
  const wanted = new Set(threadIds);
  const seen = new Set<number>();
  const next = threads.map((thread) => {
    if (!wanted.has(thread.id)) return thread;
    seen.add(thread.id);
    if (thread.last_message && thread.last_message.id >= message.id) return thread;
    const unreadBump = message.direction === 'in' && thread.id !== openThreadId ? 1 : 0;
    return {
      ...thread,
      last_message: {
        id: message.id,
        direction: message.direction,
        text: message.text,
        created_at: message.created_at,
        sender_name: message.direction === 'in' ? (message.employee_name ?? message.sender_phone) : message.author_name,
        author_user_id: message.author_user_id ?? null,
      },
      last_activity_at: maxIso(thread.last_activity_at, message.created_at),
      unread: thread.unread + unreadBump,
    };
  });
  const unknownIds = threadIds.filter((id) => !seen.has(id));
  return { threads: sortThreads(next), unknownIds };
}

/** Add a page of the list (or one thread fetched alone): a thread already listed keeps its copy, which events keep current. */
export function mergeThreadPage(threads: ThreadRead[], page: ThreadRead[]): ThreadRead[] {
  const known = new Set(threads.map((thread) => thread.id));
  const fresh = page.filter((thread) => !known.has(thread.id));
  return fresh.length === 0 ? threads : sortThreads([...threads, ...fresh]);
}

/** Clear the unread badge of one thread. */
export function markThreadRead(threads: ThreadRead[], threadId: number): ThreadRead[] {
  return threads.map((t) => (t.id === threadId && t.unread !== 0 ? { ...t, unread: 0 } : t));
}

/** Set one thread's unread count from the user's read mark (made in another tab). */
export function applyReadMark(threads: ThreadRead[], threadId: number, unread: number): ThreadRead[] {
  return threads.map((t) => (t.id === threadId && t.unread !== unread ? { ...t, unread } : t));
}

/** Total unread across all threads (for the tab title). */
export function totalUnread(threads: ThreadRead[]): number {
  return threads.reduce((sum, t) => sum + t.unread, 0);
}

/** Threads whose title or last message matches the query (case-insensitive), or whose phone has its digits. */
export function filterThreads(
  threads: ThreadRead[],
  query: string,
  phoneOf: (thread: ThreadRead) => string | null | undefined = () => null,
): ThreadRead[] {
  if (!query.trim()) return threads;
  return threads.filter((t) => matchesQuery(query, [t.title, t.last_message?.text], phoneOf(t)));
}

function maxIso(a: string | null, b: string): string {
  return a && Date.parse(a) > Date.parse(b) ? a : b;
}
