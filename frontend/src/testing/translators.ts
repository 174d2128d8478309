/** t() over one dictionary, for tests of pure formatting (no runes, no stored locale). */
import { en } from '../i18n/en';
import { ru, type MessageKey } from '../i18n/ru';
import { render, type Entry, type Params } from '../i18n/translate';
import type { Translate } from '../i18n/types';

const translator =
  (dictionary: Record<MessageKey, Entry>, locale: string): Translate =>
  (key, params?: Params) =>
    render(dictionary[key], locale, params);

export const tRu = translator(ru, 'ru');
export const tEn = translator(en, 'en');
