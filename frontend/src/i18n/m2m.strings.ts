/** Strings of the M2M API password editor (Users page). */
import type { Entry } from './translate';

export const ruM2m = {
  'm2m.title': 'Пароль M2M API',
  'm2m.hint':
    'Для интеграций (1С, сайты, скрипты) по адресу /m2m/m2m_api.asmx: логин пользователя и MD5 этого пароля. Хранится только ключевой хеш.',
  'm2m.password': 'Новый пароль API',
  'm2m.passwordHint': 'не короче 8 символов',
  'm2m.save': 'Задать пароль API',
  'm2m.saved': 'Пароль API задан',
} satisfies Record<string, Entry>;

export const enM2m: Record<keyof typeof ruM2m, Entry> = {
  'm2m.title': 'M2M API password',
  'm2m.hint':
    'For integrations (1C, websites, scripts) at /m2m/m2m_api.asmx: the user’s login and the MD5 of this password. Only a keyed hash is stored.',
  'm2m.password': 'New API password',
  'm2m.passwordHint': 'at least 8 characters',
  'm2m.save': 'Set API password',
  'm2m.saved': 'API password set',
};
