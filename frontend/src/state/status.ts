/** Delivery status order (forward-only) and aggregate summaries. */
import type { DeliveryRead, DeliveryStatus, DeliverySummary } from '../api/types';

const RANK: Record<DeliveryStatus, number> = {
  Scheduled: -1,
  Pending: 0,
  Sending: 1,
  Sent: 2,
  Delivered: 3,
  NotDelivered: 3,
  NotSent: 3,
  TimedOut: 3,
  Error: 3,
  Cancelled: 3,
};

export const IN_FLIGHT: readonly DeliveryStatus[] = ['Scheduled', 'Pending', 'Sending', 'Sent'];
export const FAILED: readonly DeliveryStatus[] = ['NotSent', 'NotDelivered', 'TimedOut', 'Error'];

export function statusRank(status: DeliveryStatus): number {
  return RANK[status] ?? 0;
}

export function isFinal(status: DeliveryStatus): boolean {
  return statusRank(status) === 3;
}

/** True when moving from `current` to `next` goes forward (a final status never changes). */
export function canAdvance(current: DeliveryStatus, next: DeliveryStatus): boolean {
  return statusRank(next) > statusRank(current);
}

/**
 * The newer of two versions of one delivery: status only moves forward, and `possible_duplicate`
 * once set stays set (the server never clears it; a stale copy must not hide it).
 */
export function mergeDelivery(current: DeliveryRead, next: DeliveryRead): DeliveryRead {
  const newer =
    canAdvance(current.status, next.status) ||
    (current.status === next.status && Date.parse(next.updated_at) > Date.parse(current.updated_at));
  const merged = newer ? { ...current, ...next } : current;
  const duplicate = Boolean(current.possible_duplicate || next.possible_duplicate);
  return Boolean(merged.possible_duplicate) === duplicate ? merged : { ...merged, possible_duplicate: duplicate };
}

/** Merge updated deliveries into a list by id; unknown ids are added. */
export function mergeDeliveries(list: DeliveryRead[], updates: DeliveryRead[]): DeliveryRead[] {
  const byId = new Map(list.map((d) => [d.id, d]));
  for (const update of updates) {
    const current = byId.get(update.id);
    byId.set(update.id, current ? mergeDelivery(current, update) : update);
  }
  return [...byId.values()];
}

/** A number that only grows as deliveries progress; orders two snapshots of one summary. */
export function summaryProgress(summary: DeliverySummary): number {
  let score = 0;
  for (const [status, count] of Object.entries(summary.counts)) {
    score += statusRank(status as DeliveryStatus) * (count ?? 0);
  }
  return score;
}

/** The later of two snapshots of one message's summary. */
export function newerSummary(current: DeliverySummary, next: DeliverySummary): DeliverySummary {
  if (next.total > current.total) return next;
  if (next.total < current.total) return current;
  return summaryProgress(next) >= summaryProgress(current) ? next : current;
}

/** Summary computed from a full list of deliveries. */
export function summarise(deliveries: DeliveryRead[]): DeliverySummary {
  const counts: Partial<Record<DeliveryStatus, number>> = {};
  for (const d of deliveries) counts[d.status] = (counts[d.status] ?? 0) + 1;
  return { total: deliveries.length, counts };
}

export interface SummaryBuckets {
  total: number;
  delivered: number;
  pending: number;
  failed: number;
  cancelled: number;
}

/** Group the nine statuses into what the status line says. */
export function bucketSummary(summary: DeliverySummary): SummaryBuckets {
  const count = (statuses: readonly DeliveryStatus[]) =>
    statuses.reduce((sum, s) => sum + (summary.counts[s] ?? 0), 0);
  return {
    total: summary.total,
    delivered: summary.counts.Delivered ?? 0,
    pending: count(IN_FLIGHT),
    failed: count(FAILED),
    cancelled: summary.counts.Cancelled ?? 0,
  };
}
