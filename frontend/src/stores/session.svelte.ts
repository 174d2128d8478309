/** Who is signed in: restored from the session cookie, set by login, cleared by logout or a 401. */
import { api, ApiError, onUnauthorized } from '../api/client';
import type { UserRead } from '../api/types';

class Session {
  user = $state<UserRead | null>(null);
  restoring = $state(true);

  constructor() {
    onUnauthorized(() => {
      this.user = null;
    });
  }

  get isAdmin(): boolean {
    return this.user?.role === 'Administrator';
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
