/**
 * The one WebSocket to /ws: applies each event once, in order, and catches up after a drop.
 * On reconnect it passes last_event_id so the server replays what was missed; ids at or below
 * the last applied one are dropped. A close with code 4401 means the session is over (logout
 * elsewhere, user deactivated): no reconnect, `onSessionEnded` instead. Socket, timer and
 * randomness are injected for tests.
 */
import type { AppEvent } from '../api/types';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { EventCursor, parseFrame } from './eventCursor';

export type ConnectionState = 'connecting' | 'online' | 'offline';

/** The close code the server uses when the session behind the socket has ended. */
export const SESSION_ENDED_CLOSE_CODE = 4401;

/** The part of WebSocket this module uses. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

export interface Timer {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface EventStreamOptions {
  /** URL for a connection, given the last applied event id */
  url: (lastEventId: number | null) => string;
  createSocket: (url: string) => SocketLike;
  onEvent: (event: AppEvent) => void;
  /** everything must be refetched: the server said so, or events may have been missed */
  onResync: () => void;
  onStateChange?: (state: ConnectionState) => void;
  /** the server closed the socket because the session ended; the stream has stopped */
  onSessionEnded?: () => void;
  timer?: Timer;
  backoff?: BackoffOptions;
}

const realTimer: Timer = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** ws:// or wss:// URL of /ws on this origin. */
export function socketUrl(location: { protocol: string; host: string }, lastEventId: number | null): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = lastEventId === null ? '' : `?last_event_id=${lastEventId}`;
  return `${scheme}//${location.host}/ws${query}`;
}

export class EventStream {
  readonly cursor = new EventCursor();
  private socket: SocketLike | null = null;
  private retryHandle: unknown = null;
  private attempt = 0;
  private stopped = true;
  private state: ConnectionState = 'offline';
  private readonly timer: Timer;
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: EventStreamOptions) {
    this.timer = options.timer ?? realTimer;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** The state the app just fetched includes every event up to `lastEventId`. */
  seed(lastEventId: number): void {
    this.cursor.advanceTo(lastEventId);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearRetry();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    this.setState('offline');
  }

  /**
   * The browser says the network is gone: drop the socket now instead of waiting for TCP to
   * notice (an open WebSocket can linger for minutes), so the indicator tells the truth. Retries
   * follow the usual backoff; `reconnectNow` skips the wait when the network is back.
   */
  dropConnection(): void {
    const socket = this.socket;
    if (this.stopped || !socket) return;
    socket.onmessage = null;
    socket.onclose = null;
    socket.close();
    this.handleClose(socket);
  }

  /** Skip the backoff wait (e.g. the browser says the network is back). */
  reconnectNow(): void {
    if (this.stopped || this.socket) return;
    this.clearRetry();
    this.connect();
  }

  private connect(): void {
    this.setState('connecting');
    const socket = this.options.createSocket(this.options.url(this.cursor.lastId));
    this.socket = socket;
    socket.onopen = () => this.handleOpen();
    socket.onmessage = (ev) => this.handleFrame(ev.data);
    socket.onclose = (ev) => this.handleClose(socket, ev);
    socket.onerror = () => undefined; // a close always follows
  }

  private handleOpen(): void {
    this.attempt = 0;
    this.setState('online');
    // Without an event id the server cannot replay what happened before this socket: refetch.
    if (this.cursor.lastId === null) this.options.onResync();
  }

  private handleFrame(data: unknown): void {
    const frame = parseFrame(data);
    if (!frame) return;
    if (frame.kind === 'resync') {
      this.options.onResync();
      return;
    }
    if (!this.cursor.accept(frame.id)) return;
    if (frame.event) this.options.onEvent(frame.event);
  }

  private handleClose(socket: SocketLike, ev?: unknown): void {
    if (socket !== this.socket) return;
    this.socket = null;
    if (this.stopped) return;
    this.setState('offline');
    if (closeCode(ev) === SESSION_ENDED_CLOSE_CODE) {
      this.stopped = true;
      this.options.onSessionEnded?.();
      return;
    }
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt += 1;
    this.retryHandle = this.timer.setTimeout(() => {
      this.retryHandle = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryHandle !== null) this.timer.clearTimeout(this.retryHandle);
    this.retryHandle = null;
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onStateChange?.(state);
  }
}

function closeCode(ev: unknown): number | undefined {
  const code = ev && typeof ev === 'object' ? (ev as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}
