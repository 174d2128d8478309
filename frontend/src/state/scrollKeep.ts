/**
 * Where a scrolled list should stand after its rows moved (the thread list re-sorts on new
 * activity). Positions are from the top of the list's content, independent of its scroll offset.
 */

/** Within this many pixels of the top the user is "at the top": new rows there must stay in view. */
export const NEAR_TOP_PX = 96;

export interface ScrollBefore {
  /** the list's scrollTop before the rows moved */
  scrollTop: number;
  /** the first row in view then (its key), and where that row's top was */
  anchor: { key: string; top: number } | null;
}

/**
 * The scrollTop to set after the rows moved, or null to leave it. Near the top: the very top, so
 * threads that moved up are not hidden above the scroll area. Deeper down: the row that was first
 * in view stays where it was on screen (`anchorTopNow` is its new top; null when it is gone).
 */
export function scrollAfterMove(before: ScrollBefore, anchorTopNow: number | null, nearTop = NEAR_TOP_PX): number | null {
  if (before.scrollTop <= nearTop) return 0;
  if (!before.anchor || anchorTopNow === null) return null;
  return Math.max(0, before.scrollTop + anchorTopNow - before.anchor.top);
}
