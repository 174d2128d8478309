/**
 * A modal panel takes focus, keeps Tab inside itself and gives focus back on close (WAI-ARIA dialog
 * pattern). Use as `use:focusTrap`; the first `[data-autofocus]` (else the first field or button) gets focus.
 */
const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(node: HTMLElement): HTMLElement[] {
  return [...node.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
}

export function focusTrap(node: HTMLElement): { destroy: () => void } {
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  queueMicrotask(() => {
    if (node.contains(document.activeElement)) return;
    const first =
      node.querySelector<HTMLElement>('[data-autofocus]') ??
      focusables(node).find((el) => el.matches('input, select, textarea')) ??
      focusables(node)[0] ??
      node;
    first.focus();
  });
  function onKeydown(event: KeyboardEvent) {
    if (event.key !== 'Tab') return;
    const items = focusables(node);
    if (items.length === 0) return event.preventDefault();
    const [first, last] = [items[0], items[items.length - 1]];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !node.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !node.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }
  node.addEventListener('keydown', onKeydown);
  return {
    destroy() {
      node.removeEventListener('keydown', onKeydown);
      // back where the user was, if that is still on the page and closing did not take them elsewhere
      queueMicrotask(() => {
        const lost = !document.activeElement || document.activeElement === document.body;
        if (lost && before?.isConnected) before.focus();
      });
    },
  };
}

/** Whether moving focus into a text field is welcome: not on touch screens, where it pops up the keyboard. */
export function mayFocusField(): boolean {
  return !window.matchMedia('(pointer: coarse)').matches;
}
