/** The current locale (persisted in localStorage) and t(): every UI string goes through here. */
import { en } from './en';
import { ru, type MessageKey } from './ru';
import { render, type Entry, type Params } from './translate';

export type Locale = 'ru' | 'en';
export type { MessageKey };
export type { Translate } from './types';

const STORAGE_KEY = 'communicator.locale';
const DICTIONARIES: Record<Locale, Record<MessageKey, Entry>> = { ru, en };

function storedLocale(): Locale {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ru';
  } catch {
    return 'ru';
  }
}

let current = $state<Locale>(storedLocale());

export const i18n = {
  get locale(): Locale {
    return current;
  },
  set locale(locale: Locale) {
    current = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      // private mode: the choice lasts for this page only
    }
    document.documentElement.lang = locale;
  },
};

/** The translated string for `key` in the current locale. */
export function t(key: MessageKey, params?: Params): string {
  return render(DICTIONARIES[current][key] ?? ru[key], current, params);
}
