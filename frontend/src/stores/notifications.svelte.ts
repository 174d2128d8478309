/** Optional desktop notifications: permission is asked on a click, never on load. */

const STORAGE_KEY = 'communicator.notify';

function supported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

class Notifications {
  enabled = $state(false);
  permission = $state<NotificationPermission>(supported() ? Notification.permission : 'denied');

  constructor() {
    try {
      this.enabled = supported() && Notification.permission === 'granted' && localStorage.getItem(STORAGE_KEY) === '1';
    } catch {
      this.enabled = false;
    }
  }

  get supported(): boolean {
    return supported();
  }

  /** Toggle from a click handler (the only place a permission prompt may come from). */
  async toggle(): Promise<void> {
    if (!supported()) return;
    if (this.enabled) {
      this.setEnabled(false);
      return;
    }
    if (Notification.permission === 'default') {
      this.permission = await Notification.requestPermission();
    }
    this.setEnabled(Notification.permission === 'granted');
  }

  /** Show one notification; the body is plain text by the Notification API's design. */
  show(title: string, body: string, onClick: () => void): void {
    if (!this.enabled || !supported() || Notification.permission !== 'granted') return;
    const notification = new Notification(title, { body, tag: 'communicator-inbound' });
    notification.onclick = () => {
      window.focus();
      onClick();
      notification.close();
    };
  }

  private setEnabled(value: boolean): void {
    this.enabled = value;
    try {
      localStorage.setItem(STORAGE_KEY, value ? '1' : '0');
    } catch {
      // ignore: preference lasts for this page only
    }
  }
}

export const notifications = new Notifications();
