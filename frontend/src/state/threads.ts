/** Thread-list reducer: bump on new messages, unread counts, newest activity first. */
import type { MessageRead, ThreadRead } from '../api/types';

export interface ThreadListResult {
  threads: ThreadRead[];
  /** thread ids the event named that the list does not know: the list must be refetched */
  unknownIds: number[];
}

function activityKey(thread: ThreadRead): number {
  return thread.last_activity_at ? Date.parse(thread.last_activity_at) || 0 : 0;
}

/** Newest activity first; threads without activity last; ties by id descending. */
export function sortThreads(threads: ThreadRead[]): ThreadRead[] {
  return [...threads].sort((a, b) => {
    const byTime = activityKey(b) - activityKey(a);
    return byTime !== 0 ? byTime : b.id - a.id;
  });
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
      },
      last_activity_at: maxIso(thread.last_activity_at, message.created_at),
      unread: thread.unread + unreadBump,
    };
  });
  const unknownIds = threadIds.filter((id) => !seen.has(id));
  return { threads: sortThreads(next), unknownIds };
}

/** Clear the unread badge of one thread. */
export function markThreadRead(threads: ThreadRead[], threadId: number): ThreadRead[] {
  return threads.map((t) => (t.id === threadId && t.unread !== 0 ? { ...t, unread: 0 } : t));
}

/** Total unread across all threads (for the tab title). */
export function totalUnread(threads: ThreadRead[]): number {
  return threads.reduce((sum, t) => sum + t.unread, 0);
}

/** Threads whose title or last message matches the query (case-insensitive). */
export function filterThreads(threads: ThreadRead[], query: string): ThreadRead[] {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return threads;
  return threads.filter(
    (t) =>
      t.title.toLocaleLowerCase().includes(q) || (t.last_message?.text ?? '').toLocaleLowerCase().includes(q),
  );
}

function maxIso(a: string | null, b: string): string {
  return a && Date.parse(a) > Date.parse(b) ? a : b;
}
