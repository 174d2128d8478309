/** Remembers the last applied event id and rejects anything at or below it. */
import type { AppEvent } from '../api/types';

export class EventCursor {
  private last: number | null;

  constructor(initial: number | null = null) {
    this.last = initial;
  }

  get lastId(): number | null {
    return this.last;
  }

  /** True (and remembered) when the id is new; false for a duplicate or a replay seen before. */
  accept(id: number): boolean {
    if (this.last !== null && id <= this.last) return false;
    this.last = id;
    return true;
  }

  /** Skip ahead to `id` (state fetched up to that event); never moves back. */
  advanceTo(id: number): void {
    if (this.last === null || id > this.last) this.last = id;
  }

  reset(): void {
    this.last = null;
  }
}

/** One WebSocket frame: a resync order, or an event (null payload for types this client ignores). */
export type Frame = { kind: 'resync' } | { kind: 'event'; id: number; event: AppEvent | null };

/** Every event type this client applies; a type missing here fails the type check. */
const KNOWN: Record<AppEvent['type'], true> = {
  'message.created': true,
  'delivery.updated': true,
  'employee.created': true,
  'employee.updated': true,
  'group.created': true,
  'group.updated': true,
  'group.deleted': true,
  'user.created': true,
  'user.updated': true,
  'thread.read': true,
  'thread.updated': true,
  'contact.created': true,
  'contact.updated': true,
  'contact.deleted': true,
  'account.updated': true,
  'message.folded': true,
  'template.created': true,
  'template.updated': true,
  'template.deleted': true,
};
const KNOWN_TYPES = new Set(Object.keys(KNOWN));

/** Parse one WebSocket frame; null for anything malformed. */
export function parseFrame(data: unknown): Frame | null {
  if (typeof data !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const frame = value as { type?: unknown; id?: unknown };
  if (frame.type === 'resync') return { kind: 'resync' };
  if (typeof frame.id !== 'number' || typeof frame.type !== 'string') return null;
  const event = KNOWN_TYPES.has(frame.type) ? (value as AppEvent) : null;
  return { kind: 'event', id: frame.id, event };
}
