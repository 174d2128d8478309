/** Directory export and import (docs/directory-import.md): the file goes up as the raw body. */
import { ApiError, toApiError } from './client';
import type { ImportReport } from './types';

export type TransferFormat = 'csv' | 'xlsx';
/** The server's cap (services/directory/transfer/read_file.py): larger files are refused before upload. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** The download address of the whole directory as a file, headers in the UI's language. */
export function exportUrl(format: TransferFormat, lang: string): string {
  return `/api/v1/directory/export?${new URLSearchParams({ format, lang })}`;
}

/** The file's format by its name: .xlsx, anything else read as CSV (the server checks the content). */
export function fileFormat(name: string): TransferFormat {
  return name.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv';
}

/** Preview the import (`plan` undefined), or apply the previewed plan; a stale plan is a 409. */
export async function importDirectory(file: Blob, format: TransferFormat, lang: string, plan?: string): Promise<ImportReport> {
  const query = new URLSearchParams({ format, lang, apply: plan ? 'true' : 'false' });
  if (plan) query.set('plan', plan);
  let response: Response;
  try {
    response = await fetch(`/api/v1/directory/import?${query}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': format === 'xlsx' ? 'application/octet-stream' : 'text/csv' },
      body: file,
    });
  } catch {
    throw new ApiError(0, '');
  }
  if (!response.ok) throw await toApiError(response);
  return (await response.json()) as ImportReport;
}
