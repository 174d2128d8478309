/**
 * Arrow keys move focus through a list of links (the thread list): ↓/↑ to the next/previous item,
 * Home/End to the first/last; ↓ in the search box just above the list goes to its first item.
 * Use as `use:arrowKeys={'a[data-thread-id]'}` on the list's scroll container.
 */
export function arrowKeys(node: HTMLElement, selector: string): { update: (next: string) => void; destroy: () => void } {
  let items = selector;
  const all = () => [...node.querySelectorAll<HTMLElement>(items)];

  function onListKey(event: KeyboardEvent) {
    const list = all();
    const index = list.indexOf(document.activeElement as HTMLElement);
    if (index < 0 || list.length === 0) return;
    const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: list.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = list[Math.min(Math.max(next, 0), list.length - 1)];
    target.focus();
    target.scrollIntoView({ block: 'nearest' });
  }

  function onSearchKey(event: KeyboardEvent) {
    const field = event.target as HTMLElement;
    if (event.key !== 'ArrowDown' || !field.matches('input[type="search"]') || node.contains(field)) return;
    const first = all()[0];
    if (!first) return;
    event.preventDefault();
    first.focus();
  }

  const parent = node.parentElement;
  node.addEventListener('keydown', onListKey);
  parent?.addEventListener('keydown', onSearchKey);
  return {
    update(next: string) {
      items = next;
    },
    destroy() {
      node.removeEventListener('keydown', onListKey);
      parent?.removeEventListener('keydown', onSearchKey);
    },
  };
}
