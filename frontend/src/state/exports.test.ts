import { describe, expect, it } from 'vitest';
import type { ExportRead } from '../api/types';
import { exportPercent, mergeExport } from './exports';

function job(patch: Partial<ExportRead>): ExportRead {
  return { id: 1, status: 'running', rows: 0, total: 10, error: null, filters: {}, created_at: '2026-11-30T06:00:00Z', finished_at: null, ...patch };
}

describe('export jobs', () => {
  it('moves a running job forward only', () => {
    let jobs = mergeExport({}, job({ rows: 5 }));
    jobs = mergeExport(jobs, job({ rows: 3 }));
    expect(jobs[1].rows).toBe(5);
    jobs = mergeExport(jobs, job({ rows: 10, status: 'done' }));
    expect(jobs[1].status).toBe('done');
  });

  it('keeps a finished job finished whatever comes later', () => {
    const done = mergeExport({}, job({ status: 'done', rows: 10 }));
    expect(mergeExport(done, job({ rows: 2 }))).toBe(done);
  });

  it('tells the percentage', () => {
    expect(exportPercent(job({ rows: 5 }))).toBe(50);
    expect(exportPercent(job({ rows: 0, total: 0 }))).toBe(0);
    expect(exportPercent(job({ status: 'failed' }))).toBe(100);
  });
});
