/** What the search boxes of the thread list, the phone list and the employee table match. */

const PHONE_LIKE = /^[\d\s()+-]*\d[\d\s()+-]*$/;

/**
 * Whether a row matches the query: one of its texts contains it (case-insensitive), or, when the
 * query looks like (part of) a phone number, the row's phone contains its digits ("916 12" finds
 * +79161234567). An empty query matches everything.
 */
export function matchesQuery(query: string, texts: (string | null | undefined)[], phone?: string | null): boolean {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return true;
  if (texts.some((text) => text?.toLocaleLowerCase().includes(q))) return true;
  return !!phone && PHONE_LIKE.test(q) && phoneDigitsMatch(q, phone);
}

/** Whether a phone contains the typed digits, in any format: «8 916…» (the trunk prefix) means «+7 916…». */
export function phoneDigitsMatch(query: string, phone: string): boolean {
  const digits = query.replace(/\D/g, '');
  const own = phone.replace(/\D/g, '');
  if (!digits) return false;
  const trunk = /^\s*8/.test(query) && digits.length >= 4 ? `7${digits.slice(1)}` : null;
  return own.includes(digits) || (trunk !== null && own.startsWith(trunk));
}
