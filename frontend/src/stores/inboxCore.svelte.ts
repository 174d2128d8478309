/**
 * The inbox core's shared state: the account settings (the composer's threshold, the settings page),
 * the external contacts (the directory), and the large-send confirmation the composer asks for.
 */
import { api } from '../api/client';
import type { AccountSettings, ContactEvent, ContactRead } from '../api/types';

/** The figures of a send above the threshold (the server's `confirmation_required` extra). */
export interface SendFigures {
  recipients: number;
  parts: number;
  total: number;
  threshold: number;
}

export function readFigures(extra: unknown): SendFigures | null {
  if (!extra || typeof extra !== 'object') return null;
  const e = extra as Record<string, unknown>;
  const keys = ['recipients', 'parts', 'total', 'threshold'] as const;
  if (!keys.every((k) => typeof e[k] === 'number')) return null;
  return { recipients: e.recipients, parts: e.parts, total: e.total, threshold: e.threshold } as SendFigures;
}

class InboxCoreStore {
  settings = $state.raw<AccountSettings | null>(null);
  contacts = $state.raw<ContactRead[]>([]);
  contactsLoaded = $state(false);
  /** The confirmation asked for right now (one at a time), answered through `answer`. */
  asking = $state.raw<SendFigures | null>(null);
  private answer: ((yes: boolean) => void) | null = null;

  async loadSettings(): Promise<void> {
    this.settings = await api.getAccountSettings();
  }

  /** Counts contact changes applied, so a list fetched before one of them is not taken over it. */
  private changes = 0;

  async loadContacts(): Promise<void> {
    const before = this.changes;
    const items = (await api.listContacts()).items;
    if (this.changes !== before) return this.loadContacts(); // a change landed meanwhile: this list may predate it
    this.contacts = items;
    this.contactsLoaded = true;
  }

  applyContactEvent(event: ContactEvent): void {
    this.changes += 1;
    if (event.type === 'contact.deleted') {
      this.contacts = this.contacts.filter((c) => c.id !== event.contact_id);
      return;
    }
    const others = this.contacts.filter((c) => c.id !== event.contact.id);
    this.contacts = [...others, event.contact].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '', 'ru'));
  }

  /** Ask the user to confirm a large send; resolves to their answer. */
  confirm(figures: SendFigures): Promise<boolean> {
    this.answer?.(false);
    this.asking = figures;
    return new Promise((resolve) => {
      this.answer = resolve;
    });
  }

  respond(yes: boolean): void {
    const answer = this.answer;
    this.answer = null;
    this.asking = null;
    answer?.(yes);
  }
}

export const inboxCore = new InboxCoreStore();
