/**
 * Live conversation state: the thread list, the open thread, the new-message outbox, and the
 * WebSocket that keeps them current. The reducers it calls live in state/ (no DOM, unit-tested).
 */
import { api, ApiError } from '../api/client';
import type { AppEvent, MessageCreatedEvent, MessageRead, Recipients, ThreadRead } from '../api/types';
import type { SendTiming } from '../state/schedule';
import { t } from '../i18n/index.svelte';
import { applyReadCounts, applyReadTotal, applyThreadUpdate, linkFollowUp } from '../state/readMarks';
import { applyMessageToThreads, markThreadRead, mergeThreadPage, sortThreads } from '../state/threads';
import {
  addEcho,
  appendMessage,
  applyDeliveryUpdate,
  applyFolded,
  emptyTimeline,
  lastMessageId,
  mergeMessages,
  removeEcho,
  resolveEcho,
  type Timeline,
} from '../state/timeline';
import { EventStream, socketUrl, type ConnectionState, type SocketLike } from '../sync/eventStream';
import { directory } from './directory.svelte';
import { errorText } from './errorText';
import { exportJobs } from './exports.svelte';
import { inboxCore, readFigures } from './inboxCore.svelte';
import { notifications } from './notifications.svelte';
import { session } from './session.svelte';
import { templates } from './templates.svelte';

/** Called for every applied event, and with null when everything must be refetched. */
export type LiveListener = (event: AppEvent | null) => void;
export type SendTarget = 'thread' | 'outbox';

const REFETCH_DELAY_MS = 300;
const READ_DELAY_MS = 400;
/** A key for one send's local echo; random, so two tabs of the same user never share one. */
function newClientId(): string {
  // getRandomValues, not randomUUID: the latter exists only in secure contexts (not plain http on a LAN).
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

class LiveStore {
  threads = $state.raw<ThreadRead[]>([]);
  /** Distinct unread inbound messages: one reply shown in two threads counts once. */
  unreadTotal = $state(0);
  threadsLoading = $state(false);
  threadsLoaded = $state(false);
  threadsError = $state<string | null>(null);
  /** Where the next page of the thread list starts; null when every page is loaded. */
  threadsCursor = $state<string | null>(null);
  loadingMoreThreads = $state(false);

  openThreadId = $state<number | null>(null);
  timeline = $state.raw<Timeline>(emptyTimeline());
  timelineLoading = $state(false);
  timelineError = $state<string | null>(null);
  hasMore = $state(false);
  loadingOlder = $state(false);

  outbox = $state.raw<Timeline>(emptyTimeline());
  connection = $state<ConnectionState>('offline');

  private stream: EventStream | null = null;
  private listeners = new Set<LiveListener>();
  private refetchTimer: ReturnType<typeof setTimeout> | null = null;
  private readTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly onOnline = () => this.stream?.reconnectNow();
  private readonly onOffline = () => this.stream?.dropConnection();
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') this.scheduleMarkRead();
  };

  start(): void {
    if (this.stream) return;
    this.stream = new EventStream({
      url: (last) => socketUrl(location, last),
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      onEvent: (event) => this.applyEvent(event),
      onResync: () => void this.resync(),
      onStateChange: (state) => (this.connection = state),
      onSessionEnded: () => session.end(),
    });
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisible);
    // Zulip's order: fetch state first, then stream every event after the id it reflects.
    const stream = this.stream;
    void this.loadThreads(true).then(() => {
      if (this.stream !== stream) return;
      stream.start();
      // the open thread may have been read before the list: read it again after the cursor
      void this.reloadOpenThread();
      if (this.openThreadId !== null) void this.ensureThreadListed(this.openThreadId);
    });
  }

  stop(): void {
    this.stream?.stop();
    this.stream = null;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
    this.threads = [];
    this.threadsLoaded = false;
    this.openThreadId = null;
    this.timeline = emptyTimeline();
    this.outbox = emptyTimeline();
    exportJobs.clear();
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Fetch the first page of the thread list (later pages come as it is scrolled: loadMoreThreads). With
   * `seedCursor` the event stream continues from the event id the list reflects; only then, never while
   * events flow, or an in-flight event would be skipped.
   */
  async loadThreads(seedCursor = false): Promise<void> {
    this.threadsLoading = true;
    try {
      const page = await api.listThreads();
      if (seedCursor && typeof page.last_event_id === 'number') this.stream?.seed(page.last_event_id);
      const open = this.threads.find((thread) => thread.id === this.openThreadId);
      const kept = open && !page.items.some((thread) => thread.id === open.id) ? [open] : [];
      this.threads = sortThreads([...page.items, ...kept]);
      this.threadsCursor = page.next_cursor ?? null;
      this.unreadTotal = page.unread_total ?? 0;
      if (this.openThreadId !== null) this.threads = markThreadRead(this.threads, this.openThreadId);
      this.threadsLoaded = true;
      this.threadsError = null;
    } catch (error) {
      this.threadsError = errorText(error);
    } finally {
      this.threadsLoading = false;
    }
  }

  /** The next page of the thread list, merged (a thread already listed keeps its newer copy). */
  async loadMoreThreads(): Promise<void> {
    const cursor = this.threadsCursor;
    if (cursor === null || this.loadingMoreThreads) return;
    this.loadingMoreThreads = true;
    try {
      const page = await api.listThreads(cursor);
      if (this.threadsCursor !== cursor) return; // the list was reloaded meanwhile
      this.threads = mergeThreadPage(this.threads, page.items);
      this.threadsCursor = page.next_cursor ?? null;
    } catch (error) {
      this.threadsError = errorText(error);
    } finally {
      this.loadingMoreThreads = false;
    }
  }

  /** A thread opened by its address before its page of the list is loaded: fetch it alone. */
  private async ensureThreadListed(id: number): Promise<void> {
    if (this.threads.some((thread) => thread.id === id)) return;
    try {
      const thread = await api.getThread(id);
      if (this.openThreadId === id) this.threads = mergeThreadPage(this.threads, [thread]);
    } catch {
      // the messages request tells the user what is wrong (404, 403)
    }
  }

  /** Refetch the list soon; several calls in a burst make one request. */
  scheduleThreadsRefetch(): void {
    if (this.refetchTimer) return;
    this.refetchTimer = setTimeout(() => {
      this.refetchTimer = null;
      void this.loadThreads();
    }, REFETCH_DELAY_MS);
  }

  async openThread(id: number): Promise<void> {
    if (this.openThreadId === id && !this.timelineError) {
      this.scheduleMarkRead();
      return;
    }
    this.openThreadId = id;
    this.timeline = emptyTimeline();
    if (this.threadsLoaded) void this.ensureThreadListed(id);
    await this.reloadOpenThread();
  }

  closeThread(): void {
    this.openThreadId = null;
    this.timeline = emptyTimeline();
  }

  /** Fetch the newest page of the open thread and merge what events already brought. */
  async reloadOpenThread(): Promise<void> {
    const id = this.openThreadId;
    if (id === null) return;
    this.timelineLoading = true;
    this.timelineError = null;
    try {
      const page = await api.listThreadMessages(id);
      if (this.openThreadId !== id) return;
      this.timeline = { ...this.timeline, messages: mergeMessages(this.timeline.messages, page.items) };
      this.hasMore = page.has_more;
      this.scheduleMarkRead();
    } catch (error) {
      if (this.openThreadId === id) this.timelineError = errorText(error);
    } finally {
      if (this.openThreadId === id) this.timelineLoading = false;
    }
  }

  async loadOlder(limit?: number): Promise<void> {
    const id = this.openThreadId;
    const oldest = this.timeline.messages[0];
    if (id === null || !oldest || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      const page = await api.listThreadMessages(id, oldest.id, limit);
      if (this.openThreadId !== id) return;
      this.timeline = { ...this.timeline, messages: mergeMessages(this.timeline.messages, page.items) };
      this.hasMore = page.has_more;
    } catch (error) {
      this.timelineError = errorText(error);
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Tell the server the open thread is read (only while the page is actually visible). */
  scheduleMarkRead(): void {
    if (this.readTimer) clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => {
      this.readTimer = null;
      const id = this.openThreadId;
      const last = lastMessageId(this.timeline);
      if (id === null || last === null || document.visibilityState !== 'visible') return;
      this.threads = markThreadRead(this.threads, id);
      api.markThreadRead(id, last).catch(() => undefined);
    }, READ_DELAY_MS);
  }

  /** «Прочитать всё»: the server's thread.read event clears the counts (here and in other tabs). */
  async markAllRead(): Promise<void> {
    await api.markAllRead();
  }

  /** Load a page of one message's recipients (thread pages carry only the summary); resolves to the next page's cursor. */
  async loadDeliveries(messageId: number, afterId = 0): Promise<number | null> {
    const message = await api.getMessage(messageId, afterId);
    const merge = (timeline: Timeline): Timeline =>
      timeline.messages.some((m) => m.id === messageId)
        ? { ...timeline, messages: mergeMessages(timeline.messages, [message]) }
        : timeline;
    this.timeline = merge(this.timeline);
    this.outbox = merge(this.outbox);
    return message.deliveries_next ?? null;
  }

  /** Send with a local echo; resolves to null on success or the server's reason on failure. */
  async send(text: string, recipients: Recipients, target: SendTarget, timing: SendTiming = {}): Promise<string | null> {
    const clientId = newClientId();
    const threadId = this.openThreadId;
    const echo = { clientId, text, createdAt: new Date().toISOString(), state: 'sending' as const };
    const update = (change: (timeline: Timeline) => Timeline) => {
      if (target === 'outbox') this.outbox = change(this.outbox);
      else if (this.openThreadId === threadId) this.timeline = change(this.timeline);
    };
    update((timeline) => addEcho(timeline, echo));
    try {
      const message = await this.sendConfirming((confirmed) =>
        api.sendMessage({ text, recipients, client_id: clientId, confirmed, ...timing }),
      );
      if (message === null) {
        update((timeline) => removeEcho(timeline, clientId));
        return t('inbox.confirmTitle');
      }
      update((timeline) => resolveEcho(timeline, clientId, message));
      return null;
    } catch (error) {
      update((timeline) => removeEcho(timeline, clientId));
      return errorText(error);
    }
  }

  /** Send; above the account's threshold ask the user and send again confirmed (null: they declined). */
  async sendConfirming(post: (confirmed: boolean) => Promise<MessageRead>): Promise<MessageRead | null> {
    try {
      return await post(false);
    } catch (error) {
      const figures = error instanceof ApiError && error.code === 'confirmation_required' ? readFigures(error.extra) : null;
      if (!figures) throw error;
      return (await inboxCore.confirm(figures)) ? await post(true) : null;
    }
  }

  /** Cancel a scheduled message; resolves to null on success or the server's reason. */
  async cancelScheduled(messageId: number): Promise<string | null> {
    try {
      const message = await api.cancelMessage(messageId);
      const merge = (timeline: Timeline): Timeline =>
        timeline.messages.some((m) => m.id === messageId)
          ? { ...timeline, messages: mergeMessages(timeline.messages, [message]) }
          : timeline;
      this.timeline = merge(this.timeline);
      this.outbox = merge(this.outbox);
      return null;
    } catch (error) {
      return errorText(error);
    }
  }

  /** The employee whose thread is open (their own delivery of a broadcast is tracked), else null. */
  openEmployeeId(): number | null {
    const thread = this.threads.find((item) => item.id === this.openThreadId);
    return thread?.kind === 'employee' ? thread.ref_id : null;
  }

  /** Apply one event to the state it changes; pages holding their own lists (users) listen. */
  applyEvent(event: AppEvent): void {
    switch (event.type) {
      case 'message.created':
        this.applyMessageCreated(event);
        break;
      case 'delivery.updated': {
        const own = this.openEmployeeId();
        this.timeline = { ...this.timeline, messages: applyDeliveryUpdate(this.timeline.messages, event, own) };
        this.outbox = { ...this.outbox, messages: applyDeliveryUpdate(this.outbox.messages, event) };
        break;
      }
      case 'thread.read':
        this.threads = applyReadCounts(this.threads, event.threads);
        this.unreadTotal = applyReadTotal(this.unreadTotal, event.message_ids);
        break;
      case 'thread.updated':
        this.threads = applyThreadUpdate(this.threads, event);
        if (event.thread_id === this.openThreadId) void this.reloadOpenThread(); // names of past messages
        break;
      case 'contact.created':
      case 'contact.updated':
      case 'contact.deleted':
        inboxCore.applyContactEvent(event);
        void directory.reloadTags(); // its tag subscriptions and opt-outs count in the tag list
        break;
      case 'account.updated':
        inboxCore.settings = event.settings;
        break;
      case 'message.folded':
        this.timeline = { ...this.timeline, messages: applyFolded(this.timeline.messages, event) };
        this.outbox = { ...this.outbox, messages: applyFolded(this.outbox.messages, event) };
        break;
      case 'employee.created':
      case 'employee.updated':
      case 'group.created':
      case 'group.updated':
      case 'group.deleted':
        directory.applyEvent(event);
        this.scheduleThreadsRefetch(); // thread titles are employee and group names
        break;
      case 'user.created':
      case 'user.updated':
        break; // the users page listens
      case 'template.created':
      case 'template.updated':
      case 'template.deleted':
        templates.applyEvent(event);
        break;
      case 'export.updated':
        exportJobs.apply(event.export);
        break;
      default:
        event satisfies never;
    }
    this.listeners.forEach((listener) => listener(event));
  }

  private applyMessageCreated(event: MessageCreatedEvent): void {
    const { message, thread_ids: threadIds } = event;
    const inOpen = this.openThreadId !== null && threadIds.includes(this.openThreadId);
    const result = applyMessageToThreads(this.threads, message, threadIds, this.openThreadId);
    this.threads = result.threads;
    if (message.direction === 'in') this.unreadTotal += 1; // unread until a thread.read names it
    if (result.unknownIds.length > 0) this.scheduleThreadsRefetch();
    if (inOpen) {
      this.timeline = appendMessage(this.timeline, message);
      this.timeline = { ...this.timeline, messages: linkFollowUp(this.timeline.messages, message) };
      if (message.direction === 'in') this.scheduleMarkRead();
    }
    if (message.direction === 'in' && (!inOpen || document.hidden)) {
      const name = message.employee_name ?? message.sender_phone ?? '';
      const target = threadIds[0];
      notifications.show(t('notify.inboundTitle', { name }), message.text, () => {
        if (target !== undefined) location.hash = `#/threads/${target}`;
      });
    }
  }

  /** Refetch everything: the list first (it moves the cursor), then the open thread. */
  private async resync(): Promise<void> {
    this.listeners.forEach((listener) => listener(null));
    if (directory.loaded) void directory.load(true); // what the user sees may have changed with it
    if (templates.loaded) void templates.load();
    await this.loadThreads(true);
    await this.reloadOpenThread();
  }
}

export const live = new LiveStore();
