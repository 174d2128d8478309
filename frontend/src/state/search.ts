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
  return !!phone && PHONE_LIKE.test(q) && phone.replace(/\D/g, '').includes(q.replace(/\D/g, ''));
}
