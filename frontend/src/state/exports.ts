/** Export jobs as the client keeps them: an update never moves a job back (a late frame or a stale fetch). */
import type { ExportRead } from '../api/types';

/** Whether `next` is news compared to `old`: a finished job stays finished, a running one only moves forward. */
export function isNewer(old: ExportRead | undefined, next: ExportRead): boolean {
  if (!old) return true;
  if (old.status !== 'running') return false;
  return next.status !== 'running' || next.rows >= old.rows;
}

/** The jobs by id with `next` merged in (the same object when it was no news). */
export function mergeExport(jobs: Record<number, ExportRead>, next: ExportRead): Record<number, ExportRead> {
  return isNewer(jobs[next.id], next) ? { ...jobs, [next.id]: next } : jobs;
}

/** How far a job is, 0–100 (a job with nothing to export is complete once done). */
export function exportPercent(job: ExportRead): number {
  if (job.status !== 'running') return 100;
  return job.total > 0 ? Math.min(100, Math.floor((job.rows * 100) / job.total)) : 0;
}
