import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../api/types';
import { backoffDelay } from './backoff';
import { EventCursor, parseFrame } from './eventCursor';
import { EventStream, socketUrl, type SocketLike, type Timer } from './eventStream';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  open() {
    this.onopen?.({});
  }
  send(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.onclose?.({ code });
  }
  close() {
    this.closed = true;
  }
}

class FakeTimer implements Timer {
  now = 0;
  private tasks: { at: number; fn: () => void; handle: number }[] = [];
  private next = 1;
  delays: number[] = [];
  setTimeout(fn: () => void, ms: number) {
    const handle = this.next++;
    this.delays.push(ms);
    this.tasks.push({ at: this.now + ms, fn, handle });
    return handle;
  }
  clearTimeout(handle: unknown) {
    this.tasks = this.tasks.filter((t) => t.handle !== handle);
  }
  advance(ms: number) {
    this.now += ms;
    const due = this.tasks.filter((t) => t.at <= this.now);
    this.tasks = this.tasks.filter((t) => t.at > this.now);
    due.forEach((t) => t.fn());
  }
}

const created = (id: number): object => ({
  id,
  type: 'message.created',
  message: { id: id * 10 },
  thread_ids: [1],
});

function setup() {
  const sockets: FakeSocket[] = [];
  const events: AppEvent[] = [];
  const states: string[] = [];
  let resyncs = 0;
  let sessionEnds = 0;
  const timer = new FakeTimer();
  const stream = new EventStream({
    url: (last) => socketUrl({ protocol: 'https:', host: 'example.test' }, last),
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    onEvent: (e) => events.push(e),
    onResync: () => (resyncs += 1),
    onStateChange: (s) => states.push(s),
    onSessionEnded: () => (sessionEnds += 1),
    timer,
    backoff: { baseMs: 1000, maxMs: 8000, random: () => 0.999999 },
  });
  return { sockets, events, states, timer, stream, resyncs: () => resyncs, sessionEnds: () => sessionEnds };
}

describe('EventCursor', () => {
  it('accepts increasing ids and drops the rest', () => {
    const cursor = new EventCursor();
    expect([5, 6, 6, 4, 7].map((id) => cursor.accept(id))).toEqual([true, true, false, false, true]);
    expect(cursor.lastId).toBe(7);
  });
});

describe('parseFrame', () => {
  it('reads events, resync and ignores garbage', () => {
    expect(parseFrame('{"type":"resync"}')).toEqual({ kind: 'resync' });
    expect(parseFrame('{"id":3,"type":"thread.unknown"}')).toEqual({ kind: 'event', id: 3, event: null });
    expect(parseFrame('{"id":4,"type":"thread.read","thread_id":1}')).toMatchObject({ kind: 'event', id: 4, event: { thread_id: 1 } });
    expect(parseFrame('not json')).toBeNull();
    expect(parseFrame('{"type":"message.created"}')).toBeNull();
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap', () => {
    const opts = { baseMs: 1000, maxMs: 8000, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4, 10].map((a) => Math.round(backoffDelay(a, opts) / 1000))).toEqual([1, 2, 4, 8, 8, 8]);
  });
  it('jitters down to half', () => {
    expect(backoffDelay(2, { baseMs: 1000, maxMs: 8000, random: () => 0 })).toBe(2000);
  });
});

describe('socketUrl', () => {
  it('follows the page protocol', () => {
    expect(socketUrl({ protocol: 'http:', host: 'h:1' }, null)).toBe('ws://h:1/ws');
    expect(socketUrl({ protocol: 'https:', host: 'h' }, 42)).toBe('wss://h/ws?last_event_id=42');
  });
});

describe('EventStream', () => {
  it('applies events once, in order, dropping duplicates', () => {
    const { sockets, events, stream } = setup();
    stream.start();
    sockets[0].open();
    [1, 2, 2, 1, 3].forEach((id) => sockets[0].send(created(id)));
    expect(events.map((e) => e.id)).toEqual([1, 2, 3]);
  });

  it('refetches when a socket opens without an event id', () => {
    const t = setup();
    t.stream.start();
    t.sockets[0].open();
    expect(t.resyncs()).toBe(1);
    t.sockets[0].send(created(1));
    t.sockets[0].drop();
    t.timer.advance(1000);
    t.sockets[1].open();
    expect(t.resyncs()).toBe(1);
  });

  it('reconnects with backoff and passes last_event_id, replay without duplicates', () => {
    const t = setup();
    t.stream.start();
    t.sockets[0].open();
    t.sockets[0].send(created(1));
    t.sockets[0].send(created(2));
    t.sockets[0].drop();
    expect(t.stream.connectionState).toBe('offline');
    t.timer.advance(999);
    expect(t.sockets).toHaveLength(1);
    t.timer.advance(1);
    expect(t.sockets).toHaveLength(2);
    expect(t.sockets[1].url).toBe('wss://example.test/ws?last_event_id=2');
    // fails again: next wait is twice as long
    t.sockets[1].drop();
    t.timer.advance(1999);
    expect(t.sockets).toHaveLength(2);
    t.timer.advance(1);
    expect(t.sockets[2].url).toBe('wss://example.test/ws?last_event_id=2');
    t.sockets[2].open();
    // server replays what was missed; an overlap is dropped
    [2, 3, 4].forEach((id) => t.sockets[2].send(created(id)));
    expect(t.events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    // a successful open resets the backoff
    t.sockets[2].drop();
    expect(t.timer.delays.at(-1)).toBe(1000);
  });

  it('connects from the event id of the fetched state, without a refetch', () => {
    const t = setup();
    t.stream.seed(41);
    t.stream.start();
    expect(t.sockets[0].url).toBe('wss://example.test/ws?last_event_id=41');
    t.sockets[0].open();
    expect(t.resyncs()).toBe(0);
    [40, 41, 42].forEach((id) => t.sockets[0].send(created(id)));
    expect(t.events.map((e) => e.id)).toEqual([42]);
    t.stream.seed(30);
    expect(t.stream.cursor.lastId).toBe(42);
  });

  it('refetches on resync', () => {
    const t = setup();
    t.stream.start();
    t.sockets[0].open();
    t.sockets[0].send(created(1));
    t.sockets[0].send({ type: 'resync' });
    expect(t.resyncs()).toBe(2);
  });

  it('reports its state and stops cleanly', () => {
    const t = setup();
    t.stream.start();
    t.sockets[0].open();
    t.stream.stop();
    expect(t.sockets[0].closed).toBe(true);
    expect(t.states).toEqual(['connecting', 'online', 'offline']);
    t.timer.advance(60_000);
    expect(t.sockets).toHaveLength(1);
  });

  it('drops the socket when the browser goes offline and catches up when it is back', () => {
    const t = setup();
    t.stream.start();
    t.sockets[0].open();
    t.sockets[0].send(created(1));
    t.stream.dropConnection();
    expect(t.sockets[0].closed).toBe(true);
    expect(t.stream.connectionState).toBe('offline');
    // a late frame or close from the dropped socket changes nothing
    t.sockets[0].send(created(2));
    t.sockets[0].drop();
    expect(t.events.map((e) => e.id)).toEqual([1]);
    expect(t.timer.delays).toHaveLength(1);
    t.stream.reconnectNow();
    expect(t.sockets).toHaveLength(2);
    expect(t.sockets[1].url).toBe('wss://example.test/ws?last_event_id=1');
    t.sockets[1].open();
    expect(t.stream.connectionState).toBe('online');
    t.timer.advance(60_000);
    expect(t.sockets).toHaveLength(2);
  });

  it('reconnects at once when asked while waiting', () => {
    const t = setup();
    t.stream.start();
    t.sockets[0].open();
    t.sockets[0].drop();
    t.stream.reconnectNow();
    expect(t.sockets).toHaveLength(2);
    t.timer.advance(60_000);
    expect(t.sockets).toHaveLength(2);
  });

  it('stops for good when the server ends the session (close code 4401)', () => {
    const t = setup();
    t.stream.start();
    t.sockets[0].open();
    t.sockets[0].drop(4401);
    expect(t.sessionEnds()).toBe(1);
    expect(t.stream.connectionState).toBe('offline');
    expect(t.timer.delays).toEqual([]);
    t.timer.advance(60_000);
    t.stream.reconnectNow();
    expect(t.sockets).toHaveLength(1);
  });

  // 4408: the server closed a socket that fell too far behind; the reconnect catches up from the cursor
  it.each([1001, 1006, 4408])('reconnects after close code %i, without ending the session', (code) => {
    const t = setup();
    t.stream.start();
    t.sockets[0].open();
    t.sockets[0].drop(code);
    t.timer.advance(60_000);
    expect(t.sockets).toHaveLength(2);
    expect(t.sessionEnds()).toBe(0);
  });
});
