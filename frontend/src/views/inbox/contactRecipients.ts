import type { Recipients } from '../../api/types';

/** A contact thread is answered in place: the one number. */
export function contactRecipients(phone: string): Recipients {
  return { employees: [], groups: [], numbers: [phone], tags: [] };
}
