/**
 * Who is signed in: restored from the session cookie, set by login, cleared by logout, a 401 or the
 * server closing the WebSocket because the session ended (then the login page says so).
 */
import { api, ApiError, onUnauthorized } from '../api/client';
import type { UserRead } from '../api/types';
import { t } from '../i18n/index.svelte';

class Session {
  user = $state<UserRead | null>(null);
  restoring = $state(true);
  /** why the user is on the login page although they had signed in (the session ended), else null */
  notice = $state<string | null>(null);

  constructor() {
    onUnauthorized(() => this.end());
  }

  get isAdmin(): boolean {
    return this.user?.role === 'Administrator';
  }

  get isPlatformAdmin(): boolean {
    return this.user?.platform_admin === true;
  }

  /** The server ended the session (logout elsewhere, user deactivated, timeout). */
  end(): void {
    if (this.user) this.notice = t('login.sessionEnded');
    this.user = null;
  }

  async restore(): Promise<void> {
    this.restoring = true;
    try {
      this.user = await api.me();
    } catch {
      this.user = null;
    } finally {
      this.restoring = false;
    }
  }

  /** Sign in; throws ApiError (401 = bad credentials). */
  async login(login: string, password: string): Promise<void> {
    this.user = await api.login(login, password);
    this.notice = null;
  }

  async logout(): Promise<void> {
    try {
      await api.logout();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    } finally {
      this.user = null;
    }
  }
}

export const session = new Session();
