import { describe, expect, it } from 'vitest';
import { delivery } from '../testing/fixtures';
import {
  bucketSummary,
  canAdvance,
  mergeDeliveries,
  mergeDelivery,
  newerSummary,
  summarise,
} from './status';

describe('canAdvance', () => {
  it('moves Pending → Sending → Sent → Delivered', () => {
    expect(canAdvance('Pending', 'Sending')).toBe(true);
    expect(canAdvance('Sending', 'Sent')).toBe(true);
    expect(canAdvance('Sent', 'Delivered')).toBe(true);
  });
  it('never moves back', () => {
    expect(canAdvance('Delivered', 'Sent')).toBe(false);
    expect(canAdvance('Sent', 'Sending')).toBe(false);
    expect(canAdvance('Sending', 'Pending')).toBe(false);
  });
  it('never changes one final status into another', () => {
    expect(canAdvance('Delivered', 'NotDelivered')).toBe(false);
    expect(canAdvance('Error', 'Delivered')).toBe(false);
  });
  it('lets any in-flight status jump to a final one', () => {
    expect(canAdvance('Pending', 'NotSent')).toBe(true);
    expect(canAdvance('Pending', 'Cancelled')).toBe(true);
    expect(canAdvance('Sending', 'Error')).toBe(true);
  });
});

describe('mergeDelivery', () => {
  it('ignores a late Sent after Delivered', () => {
    const current = delivery({ status: 'Delivered', updated_at: '2026-11-01T10:00:05Z' });
    const late = delivery({ status: 'Sent', updated_at: '2026-11-01T10:00:06Z' });
    expect(mergeDelivery(current, late)).toBe(current);
  });
  it('takes a newer copy of the same status (e.g. an error text)', () => {
    const current = delivery({ status: 'Error', error: null });
    const next = delivery({ status: 'Error', error: 'boom', updated_at: '2026-11-01T10:01:00Z' });
    expect(mergeDelivery(current, next).error).toBe('boom');
  });
  it('takes possible_duplicate from a re-sent copy (same status, later)', () => {
    const current = delivery({ status: 'Sending' });
    const resent = delivery({ status: 'Sending', possible_duplicate: true, updated_at: '2026-11-01T10:00:40Z' });
    expect(mergeDelivery(current, resent).possible_duplicate).toBe(true);
  });
  it('keeps possible_duplicate once set, even from a copy that is otherwise ignored', () => {
    const flagged = delivery({ status: 'Sent', possible_duplicate: true, updated_at: '2026-11-01T10:00:40Z' });
    expect(mergeDelivery(flagged, delivery({ status: 'Delivered', updated_at: '2026-11-01T10:00:50Z' }))).toMatchObject({
      status: 'Delivered',
      possible_duplicate: true,
    });
    const delivered = delivery({ status: 'Delivered', updated_at: '2026-11-01T10:00:50Z' });
    expect(mergeDelivery(delivered, flagged)).toMatchObject({ status: 'Delivered', possible_duplicate: true });
  });
  it('treats a missing flag as false', () => {
    const current = delivery({ status: 'Sent' });
    delete current.possible_duplicate;
    expect(mergeDelivery(current, delivery({ status: 'Sent' }))).toBe(current);
  });
});

describe('mergeDeliveries', () => {
  it('updates known ids and adds unknown ones', () => {
    const list = [delivery({ id: 1 }), delivery({ id: 2, status: 'Delivered' })];
    const merged = mergeDeliveries(list, [
      delivery({ id: 2, status: 'Sent' }),
      delivery({ id: 3, status: 'Sending' }),
      delivery({ id: 1, status: 'Sent' }),
    ]);
    expect(merged.map((d) => [d.id, d.status])).toEqual([
      [1, 'Sent'],
      [2, 'Delivered'],
      [3, 'Sending'],
    ]);
  });
});

describe('summaries', () => {
  it('keeps the more advanced of two snapshots', () => {
    const older = { total: 3, counts: { Pending: 1, Sent: 2 } };
    const newer = { total: 3, counts: { Delivered: 2, Sent: 1 } };
    expect(newerSummary(older, newer)).toBe(newer);
    expect(newerSummary(newer, older)).toBe(newer);
  });
  it('summarises a delivery list', () => {
    const s = summarise([delivery({ status: 'Delivered' }), delivery({ id: 2, status: 'Delivered' }), delivery({ id: 3 })]);
    expect(s).toEqual({ total: 3, counts: { Delivered: 2, Pending: 1 } });
  });
  it('buckets statuses for the status line', () => {
    const b = bucketSummary({
      total: 50,
      counts: { Delivered: 45, Pending: 1, Sending: 1, Sent: 1, NotDelivered: 1, Cancelled: 1 },
    });
    expect(b).toEqual({ total: 50, delivered: 45, pending: 3, failed: 1, cancelled: 1 });
  });
});
