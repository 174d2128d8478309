import { describe, expect, it } from 'vitest';
import type { DeliveryRead, DeliveryUpdatedEvent } from '../api/types';
import { delivery, message } from '../testing/fixtures';
import {
  addEcho,
  appendMessage,
  applyDeliveryUpdate,
  emptyTimeline,
  lastMessageId,
  mergeMessages,
  removeEcho,
  nestReplies,
  ownDelivery,
  resolveEcho,
  type LocalEcho,
} from './timeline';

const echo = (clientId: string, text: string): LocalEcho => ({
  clientId,
  text,
  createdAt: '2026-11-01T10:00:00Z',
  state: 'sending',
});

describe('mergeMessages', () => {
  it('unions by id and keeps oldest first', () => {
    const merged = mergeMessages([message({ id: 3 }), message({ id: 1 })], [message({ id: 2 }), message({ id: 3 })]);
    expect(merged.map((m) => m.id)).toEqual([1, 2, 3]);
  });
  it('keeps loaded deliveries when a copy without them arrives', () => {
    const withDeliveries = message({ id: 1, deliveries: [delivery()] });
    const merged = mergeMessages([withDeliveries], [message({ id: 1, deliveries: null })]);
    expect(merged[0].deliveries).toHaveLength(1);
  });
});

describe('local echo', () => {
  it('shows at once and is replaced by the server message', () => {
    let t = addEcho(emptyTimeline(), echo('c1', 'hi'));
    expect(t.echoes).toHaveLength(1);
    t = resolveEcho(t, 'c1', message({ id: 7, text: 'hi' }));
    expect(t.echoes).toHaveLength(0);
    expect(t.messages.map((m) => m.id)).toEqual([7]);
  });
  it('is replaced when the event arrives before the POST answer, without duplicates', () => {
    let t = addEcho(emptyTimeline(), echo('c1', 'hi'));
    t = appendMessage(t, message({ id: 7, text: 'hi', client_id: 'c1' }));
    expect(t.echoes).toHaveLength(0);
    t = resolveEcho(t, 'c1', message({ id: 7, text: 'hi', client_id: 'c1' }));
    expect(t.messages).toHaveLength(1);
  });
  it('is matched by client id, not by text', () => {
    let t = addEcho(addEcho(emptyTimeline(), echo('c1', 'ok')), echo('c2', 'ok'));
    t = appendMessage(t, message({ id: 7, text: 'ok', client_id: 'c2' }));
    expect(t.echoes.map((e) => e.clientId)).toEqual(['c1']);
  });
  it('is not consumed by the same text sent from another tab', () => {
    let t = addEcho(emptyTimeline(), echo('c1', 'hi'));
    t = appendMessage(t, message({ id: 7, text: 'hi', client_id: 'other-tab' }));
    t = appendMessage(t, message({ id: 8, text: 'hi' }));
    expect(t.echoes.map((e) => e.clientId)).toEqual(['c1']);
    expect(t.messages.map((m) => m.id)).toEqual([7, 8]);
  });
  it('is not consumed by an inbound message with the same text', () => {
    let t = addEcho(emptyTimeline(), echo('c1', 'hi'));
    t = appendMessage(t, message({ id: 7, text: 'hi', direction: 'in' }));
    expect(t.echoes).toHaveLength(1);
  });
  it('can be withdrawn when the send fails', () => {
    const t = removeEcho(addEcho(emptyTimeline(), echo('c1', 'hi')), 'c1');
    expect(t.echoes).toHaveLength(0);
  });
  it('ignores a duplicated event', () => {
    let t = appendMessage(emptyTimeline(), message({ id: 7 }));
    t = appendMessage(t, message({ id: 7 }));
    expect(t.messages).toHaveLength(1);
    expect(lastMessageId(t)).toBe(7);
  });
});

describe('applyDeliveryUpdate', () => {
  const event = (overrides: Partial<DeliveryUpdatedEvent>): DeliveryUpdatedEvent => ({
    id: 100,
    type: 'delivery.updated',
    message_id: 1,
    deliveries: [],
    summary: { total: 2, counts: {} },
    ...overrides,
  });

  it('updates the summary of a message without loaded deliveries', () => {
    const list = [message({ id: 1, summary: { total: 2, counts: { Pending: 2 } } })];
    const next = applyDeliveryUpdate(list, event({ summary: { total: 2, counts: { Delivered: 1, Pending: 1 } } }));
    expect(next[0].summary.counts).toEqual({ Delivered: 1, Pending: 1 });
    expect(next[0].deliveries).toBeNull();
  });
  it('moves loaded deliveries forward only', () => {
    const list = [
      message({
        id: 1,
        summary: { total: 2, counts: { Delivered: 1, Sent: 1 } },
        deliveries: [delivery({ id: 1, status: 'Delivered' }), delivery({ id: 2, status: 'Sent' })],
      }),
    ];
    const next = applyDeliveryUpdate(
      list,
      event({
        deliveries: [delivery({ id: 1, status: 'Sent' }), delivery({ id: 2, status: 'NotDelivered' })],
        summary: { total: 2, counts: { Delivered: 1, NotDelivered: 1 } },
      }),
    );
    expect(next[0].deliveries?.map((d) => d.status)).toEqual(['Delivered', 'NotDelivered']);
    expect(next[0].summary.counts).toEqual({ Delivered: 1, NotDelivered: 1 });
  });
  it('marks a loaded delivery as a possible duplicate', () => {
    const list = [
      message({ id: 1, summary: { total: 1, counts: { Sending: 1 } }, deliveries: [delivery({ id: 1, status: 'Sending' })] }),
    ];
    const next = applyDeliveryUpdate(
      list,
      event({
        deliveries: [delivery({ id: 1, status: 'Sent', possible_duplicate: true, updated_at: '2026-11-01T10:00:30Z' })],
        summary: { total: 1, counts: { Sent: 1 } },
      }),
    );
    expect(next[0].deliveries?.[0]).toMatchObject({ status: 'Sent', possible_duplicate: true });
  });
  it('does not let an older summary undo a newer one', () => {
    const list = [message({ id: 1, summary: { total: 2, counts: { Delivered: 2 } } })];
    const next = applyDeliveryUpdate(list, event({ summary: { total: 2, counts: { Sent: 2 } } }));
    expect(next[0].summary.counts).toEqual({ Delivered: 2 });
  });
  it('leaves the list alone for a message not shown', () => {
    const list = [message({ id: 1 })];
    expect(applyDeliveryUpdate(list, event({ message_id: 9 }))).toBe(list);
  });
});

describe('a broadcast in an employee thread', () => {
  const ME = 7;
  const mine = (status: DeliveryRead['status'], at = '2026-11-01T10:00:10Z') =>
    delivery({ id: 70, employee_id: ME, employee_name: 'Я', phone: '+79160000007', status, updated_at: at });
  const other = (id: number, status: DeliveryRead['status']) =>
    delivery({ id, employee_id: id, employee_name: `N${id}`, phone: `+7916000000${id}`, status });
  const update = (deliveries: DeliveryRead[], counts: Record<string, number>): DeliveryUpdatedEvent => ({
    id: 100,
    type: 'delivery.updated',
    message_id: 1,
    deliveries,
    summary: { total: 3, counts },
  });
  const page = () => [message({ id: 1, summary: { total: 3, counts: { Pending: 3 } }, deliveries: [mine('Pending')] })];

  it('applies only this employee\'s row, never the other recipients\'', () => {
    const next = applyDeliveryUpdate(
      page(),
      update([other(1, 'Sending'), mine('Sending'), other(2, 'Sending')], { Sending: 3 }),
      ME,
    );
    expect(next[0].deliveries).toEqual([mine('Sending')]);
    expect(next[0].summary).toEqual({ total: 3, counts: { Sending: 3 } });
  });
  it('moves the own status forward only: Pending → Sending → Sent → Delivered', () => {
    let list = page();
    list = applyDeliveryUpdate(list, update([mine('Sending')], { Sending: 1, Pending: 2 }), ME);
    list = applyDeliveryUpdate(list, update([mine('Sent')], { Sent: 1, Pending: 2 }), ME);
    expect(ownDelivery(list[0], ME)?.status).toBe('Sent');
    // a late, replayed copy does not undo it
    list = applyDeliveryUpdate(list, update([mine('Sending')], { Sending: 1, Pending: 2 }), ME);
    expect(ownDelivery(list[0], ME)?.status).toBe('Sent');
    list = applyDeliveryUpdate(list, update([other(1, 'Delivered')], { Sent: 1, Delivered: 1, Pending: 1 }), ME);
    expect(ownDelivery(list[0], ME)?.status).toBe('Sent');
    list = applyDeliveryUpdate(list, update([mine('Delivered')], { Delivered: 3 }), ME);
    expect(ownDelivery(list[0], ME)?.status).toBe('Delivered');
    expect(list[0].deliveries).toHaveLength(1);
    expect(list[0].summary.counts).toEqual({ Delivered: 3 });
  });
  it('takes the own row from an event when the message came without deliveries (message.created)', () => {
    const created = [message({ id: 1, summary: { total: 3, counts: { Pending: 3 } }, deliveries: null })];
    const none = applyDeliveryUpdate(created, update([other(1, 'Sending')], { Sending: 1, Pending: 2 }), ME);
    expect(none[0].deliveries).toBeNull();
    const next = applyDeliveryUpdate(none, update([mine('Sending'), other(2, 'Sending')], { Sending: 2, Pending: 1 }), ME);
    expect(next[0].deliveries).toEqual([mine('Sending')]);
  });
  it('without a known employee keeps to the rows it holds', () => {
    const next = applyDeliveryUpdate(page(), update([other(1, 'Sent'), mine('Sent')], { Sent: 2, Pending: 1 }));
    expect(next[0].deliveries).toEqual([mine('Sent')]);
  });
  it('updates everyone once the full recipient list is loaded', () => {
    const full = [message({ id: 1, summary: { total: 3, counts: { Pending: 3 } }, deliveries: [other(1, 'Pending'), mine('Pending'), other(2, 'Pending')] })];
    const next = applyDeliveryUpdate(full, update([other(1, 'Sent'), mine('Sent')], { Sent: 2, Pending: 1 }), ME);
    expect(next[0].deliveries?.map((d) => d.status)).toEqual(['Sent', 'Sent', 'Pending']);
  });

  describe('ownDelivery', () => {
    it('is the employee\'s row', () => {
      const m = message({ summary: { total: 3, counts: { Sent: 1, Pending: 2 } }, deliveries: [other(1, 'Pending'), mine('Sent', '2026-11-01T10:00:20Z')] });
      expect(ownDelivery(m, ME)).toEqual({ status: 'Sent', delivery: mine('Sent', '2026-11-01T10:00:20Z') });
    });
    it('follows from a uniform summary before the row is known', () => {
      expect(ownDelivery(message({ summary: { total: 3, counts: { Pending: 3 } } }), ME)).toEqual({ status: 'Pending', delivery: null });
      expect(ownDelivery(message({ summary: { total: 3, counts: { Delivered: 3, Sent: 0 } } }), ME)?.status).toBe('Delivered');
    });
    it('is unknown for a mixed summary without the row', () => {
      expect(ownDelivery(message({ summary: { total: 3, counts: { Sent: 1, Pending: 2 } } }), ME)).toBeNull();
    });
    it('is not used for a message to this employee alone, an inbound message, or outside employee threads', () => {
      const single = message({ summary: { total: 1, counts: { Delivered: 1 } }, deliveries: [mine('Delivered')] });
      expect(ownDelivery(single, ME)).toBeNull();
      expect(ownDelivery(message({ direction: 'in', summary: { total: 3, counts: { Pending: 3 } } }), ME)).toBeNull();
      expect(ownDelivery(message({ summary: { total: 3, counts: { Pending: 3 } } }), null)).toBeNull();
    });
  });
});

describe('nestReplies', () => {
  const broadcast = message({ id: 1, direction: 'out' });
  const reply = message({ id: 2, direction: 'in', reply_to_id: 1 });
  const orphan = message({ id: 3, direction: 'in', reply_to_id: 99 });
  it('nests replies under the broadcast in a group thread', () => {
    const nodes = nestReplies([broadcast, reply, orphan], true);
    expect(nodes.map((n) => n.message.id)).toEqual([1, 3]);
    expect(nodes[0].replies.map((m) => m.id)).toEqual([2]);
  });
  it('keeps a flat list elsewhere', () => {
    expect(nestReplies([broadcast, reply], false).map((n) => n.message.id)).toEqual([1, 2]);
  });
});
