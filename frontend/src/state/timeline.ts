/** Message/delivery reducer for one open thread: server messages plus local echoes. */
import type {
  DeliveryRead,
  DeliveryStatus,
  DeliveryUpdatedEvent,
  MessageFoldedEvent,
  MessageRead,
} from "../api/types";
import { mergeDeliveries, newerSummary, summarise } from "./status";

/** A message being sent, shown at once and replaced by the server's message. */
export interface LocalEcho {
  clientId: string;
  text: string;
  createdAt: string;
  state: "sending";
}

export interface Timeline {
  /** server messages, oldest first, unique by id */
  messages: MessageRead[];
  /** local echoes not yet confirmed, in send order */
  echoes: LocalEcho[];
}

export const emptyTimeline = (): Timeline => ({ messages: [], echoes: [] });

/** One server message combined with a newer copy of itself; deliveries and summary never go back. */
export function mergeMessage(
  current: MessageRead,
  next: MessageRead,
): MessageRead {
  let deliveries = current.deliveries;
  if (next.deliveries)
    deliveries = deliveries
      ? mergeDeliveries(deliveries, next.deliveries)
      : next.deliveries;
  let summary = newerSummary(current.summary, next.summary);
  if (deliveries && deliveries.length >= summary.total)
    summary = newerSummary(summary, summarise(deliveries));
  return { ...current, ...next, deliveries, summary };
}

/** Union of two message lists by id, oldest first. */
export function mergeMessages(
  list: MessageRead[],
  incoming: MessageRead[],
): MessageRead[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const message of incoming) {
    const current = byId.get(message.id);
    byId.set(message.id, current ? mergeMessage(current, message) : message);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Add a server message (from the API or an event); drops the echo it answers (same client id), if any. */
export function appendMessage(
  timeline: Timeline,
  message: MessageRead,
): Timeline {
  const clientId = message.client_id;
  const echoes = clientId
    ? timeline.echoes.filter((e) => e.clientId !== clientId)
    : timeline.echoes;
  return { messages: mergeMessages(timeline.messages, [message]), echoes };
}

export function addEcho(timeline: Timeline, echo: LocalEcho): Timeline {
  return { ...timeline, echoes: [...timeline.echoes, echo] };
}

/** The send succeeded: the echo gives way to the server's message. */
export function resolveEcho(
  timeline: Timeline,
  clientId: string,
  message: MessageRead,
): Timeline {
  return {
    messages: mergeMessages(timeline.messages, [message]),
    echoes: timeline.echoes.filter((e) => e.clientId !== clientId),
  };
}

export function removeEcho(timeline: Timeline, clientId: string): Timeline {
  return {
    ...timeline,
    echoes: timeline.echoes.filter((e) => e.clientId !== clientId),
  };
}

/**
 * Apply new delivery statuses and the summary to the message they belong to. Only rows the
 * message already holds are merged, plus, in an employee's thread (`ownEmployeeId`), that
 * employee's own row: a thread page carries just that one delivery of a broadcast, and the
 * event's rows for everyone else must not leak into it.
 */
export function applyDeliveryUpdate(
  messages: MessageRead[],
  event: DeliveryUpdatedEvent,
  ownEmployeeId: number | null = null,
): MessageRead[] {
  const index = messages.findIndex((m) => m.id === event.message_id);
  if (index < 0) return messages;
  const current = messages[index];
  const known = new Set((current.deliveries ?? []).map((d) => d.id));
  const rows = event.deliveries.filter(
    (d) =>
      known.has(d.id) ||
      (ownEmployeeId !== null && d.employee_id === ownEmployeeId),
  );
  const updated = mergeMessage(current, {
    ...current,
    deliveries: current.deliveries || rows.length > 0 ? rows : null,
    summary: event.summary,
  });
  const next = [...messages];
  next[index] = updated;
  return next;
}

/** True for an outbound message shown in an employee's thread that went to more than one recipient. */
export function isBroadcastInEmployeeThread(
  message: MessageRead,
  ownEmployeeId: number | null,
): boolean {
  return (
    ownEmployeeId !== null &&
    message.direction === "out" &&
    message.summary.total > 1
  );
}

/**
 * This employee's own status of a broadcast shown in their thread: their delivery row when
 * known; before the first row arrives (a `message.created` event carries no deliveries) it
 * follows from the summary when every delivery has the same status; otherwise unknown (null).
 */
export function ownDelivery(
  message: MessageRead,
  ownEmployeeId: number | null,
): { status: DeliveryStatus; delivery: DeliveryRead | null } | null {
  if (!isBroadcastInEmployeeThread(message, ownEmployeeId)) return null;
  const delivery =
    message.deliveries?.find((d) => d.employee_id === ownEmployeeId) ?? null;
  if (delivery) return { status: delivery.status, delivery };
  const uniform = Object.entries(message.summary.counts).find(
    ([, count]) => count === message.summary.total,
  );
  return uniform
    ? { status: uniform[0] as DeliveryStatus, delivery: null }
    : null;
}

export interface MessageNode {
  message: MessageRead;
  replies: MessageRead[];
}

/**
 * Messages as shown: in a group thread an inbound reply is nested under the broadcast it
 * answers (when that broadcast is loaded); everything else stands on its own, oldest first.
 */
export function nestReplies(
  messages: MessageRead[],
  nest: boolean,
): MessageNode[] {
  const nodes: MessageNode[] = [];
  const byId = new Map<number, MessageNode>();
  for (const message of messages) {
    const parent =
      nest && message.direction === "in" && message.reply_to_id !== null
        ? byId.get(message.reply_to_id)
        : undefined;
    if (parent) {
      parent.replies.push(message);
      continue;
    }
    const node = { message, replies: [] };
    nodes.push(node);
    byId.set(message.id, node);
  }
  return nodes;
}

/** Id of the newest server message, for marking the thread read. */
export function lastMessageId(timeline: Timeline): number | null {
  const last = timeline.messages[timeline.messages.length - 1];
  return last ? last.id : null;
}

/** An identical alert mail was folded into a message: it shows «×(folded + 1)». Counts only grow. */
export function applyFolded(
  messages: MessageRead[],
  event: MessageFoldedEvent,
): MessageRead[] {
  return messages.map((m) =>
    m.id === event.message_id && event.folded > (m.folded ?? 0)
      ? { ...m, folded: event.folded }
      : m,
  );
}
