/**
 * Keyboard moves through a virtual list (only the rows near the viewport exist in the DOM): the target row is
 * worked out by index over all the loaded rows, scrolled into the rendered range, then focused.
 */

/** Near this many rows from the end of the loaded rows, the next page is asked for. */
export const LOAD_AHEAD_ROWS = 20;

/** The row index a key moves focus to (↓/↑ by one, Home/End to the ends), or null for any other key. */
export function keyTarget(key: string, index: number, length: number): number | null {
  if (length === 0 || index < 0) return null;
  const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: length - 1 }[key];
  return next === undefined ? null : Math.min(Math.max(next, 0), length - 1);
}

/** Whether the rows shown reach close enough to the end of those loaded to ask for the next page. */
export function needsNextPage(lastShown: number, length: number, hasMore: boolean, ahead = LOAD_AHEAD_ROWS): boolean {
  return hasMore && lastShown >= length - 1 - ahead;
}
