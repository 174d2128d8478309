/** Dates as the UI shows them: compact relative times in lists, clock times in bubbles. */
import type { Translate } from '../i18n/types';

const MINUTE = 60_000;

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** "now", "5 min", "14:32" (today), "yesterday", "12 Mar", "12.03.2025". */
export function formatRelative(iso: string | null, now: Date, locale: string, t: Translate): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const diff = now.getTime() - date.getTime();
  if (diff < MINUTE && diff > -MINUTE) return t('time.now');
  if (diff > 0 && diff < 60 * MINUTE) return t('time.minutes', { count: Math.floor(diff / MINUTE) });
  const today = startOfDay(now);
  const day = startOfDay(date);
  if (day === today) return formatClock(iso, locale);
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1).getTime();
  if (day === yesterday) return t('time.yesterday');
  if (date.getFullYear() === now.getFullYear()) {
    return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(date).replace('.', '');
  }
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric' }).format(date);
}

/** "14:32". */
export function formatClock(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** "14:32" today, otherwise "12 Mar 14:32" (with the year when it is not this year). */
export function formatStamp(iso: string, now: Date, locale: string): string {
  const date = new Date(iso);
  if (startOfDay(date) === startOfDay(now)) return formatClock(iso, locale);
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  if (date.getFullYear() !== now.getFullYear()) options.year = 'numeric';
  return new Intl.DateTimeFormat(locale, options).format(date);
}
