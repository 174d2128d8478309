/** Scheduled sends and validity periods: what the composer sends and how a due time is shown (docs/scheduling.md). */
import type { MessageRead } from '../api/types';

/** The optional part of a send: a naive local time (the account's zone) and a validity period. */
export interface SendTiming {
  send_at?: string;
  valid_minutes?: number;
}

/** The validity choices the composer offers, in minutes (0: no limit). */
export const VALIDITY_CHOICES: readonly number[] = [0, 15, 60, 240, 1440, 4320];

/** The unit a validity period is best said in. */
export function validityUnit(minutes: number): { key: 'schedule.minutes' | 'schedule.hours' | 'schedule.days'; count: number } {
  if (minutes % 1440 === 0) return { key: 'schedule.days', count: minutes / 1440 };
  if (minutes % 60 === 0) return { key: 'schedule.hours', count: minutes / 60 };
  return { key: 'schedule.minutes', count: minutes };
}

/** The timing fields of a send: `later` is a datetime-local value ("2026-12-01T09:30") or empty. */
export function toSendTiming(later: string, validMinutes: number): SendTiming {
  const timing: SendTiming = {};
  if (later) timing.send_at = later.length === 16 ? `${later}:00` : later;
  if (validMinutes > 0) timing.valid_minutes = validMinutes;
  return timing;
}

/** Whether a message still waits for its send time (some deliveries Scheduled). */
export function isScheduled(message: MessageRead): boolean {
  return (message.summary.counts.Scheduled ?? 0) > 0;
}

/** A UTC instant as the account's local date and time, with the zone's name. */
export function formatInZone(iso: string, zone: string, locale: string): string {
  const format = (timeZone: string | undefined) =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
  try {
    return `${format(zone)} (${zone})`;
  } catch {
    return format(undefined); // a zone this browser does not know: its own
  }
}

/** A datetime-local value for "now + minutes" in the zone (the default a «send later» picker opens at). */
export function localInputValue(zone: string, minutesAhead: number, now: Date = new Date()): string {
  const at = new Date(now.getTime() + minutesAhead * 60_000);
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(at);
  } catch {
    parts = new Intl.DateTimeFormat('en-CA', {
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(at);
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}
