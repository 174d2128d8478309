/** The phone number a thread is about, for searching threads by number. */
import type { ThreadRead } from '../api/types';
import { directory } from './directory.svelte';

/** An employee's thread: their phone from the directory; a thread that carries its own phone (unknown numbers): that one. */
export function threadPhone(thread: ThreadRead): string | null {
  if (thread.kind === 'employee' && thread.ref_id !== null) return directory.employeeById(thread.ref_id)?.phone ?? null;
  const own = (thread as { phone?: string | null }).phone;
  return typeof own === 'string' ? own : null;
}
