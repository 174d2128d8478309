/** The aggregate delivery line: «Доставлено 47 из 50, 3 ожидают». */
import type { DeliverySummary } from '../api/types';
import type { Translate } from '../i18n/types';
import { bucketSummary } from '../state/status';

export function summaryText(summary: DeliverySummary, t: Translate): string {
  const b = bucketSummary(summary);
  if (b.total === 0) return t('summary.noRecipients');
  const parts = [t('summary.delivered', { delivered: b.delivered, total: b.total })];
  if (b.pending) parts.push(t('summary.pending', { count: b.pending }));
  if (b.failed) parts.push(t('summary.failed', { count: b.failed }));
  if (b.cancelled) parts.push(t('summary.cancelled', { count: b.cancelled }));
  return parts.join(', ');
}

/** Tone of the summary for colouring: all delivered, some failed, or still going. */
export function summaryTone(summary: DeliverySummary): 'done' | 'failed' | 'progress' {
  const b = bucketSummary(summary);
  if (b.failed > 0) return 'failed';
  if (b.pending > 0) return 'progress';
  return 'done';
}

/**
 * The aggregate as a small note under one employee's own status of a broadcast:
 * «рассылка: доставлено 7 из 7» / "broadcast: delivered 7 of 7".
 */
export function broadcastNote(summary: DeliverySummary, t: Translate): string {
  const text = summaryText(summary, t);
  return t('summary.broadcast', { summary: text.charAt(0).toLowerCase() + text.slice(1) });
}
