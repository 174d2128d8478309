/** Strings of the inbox's reply-in-context, paste, new-messages, confirmation and keyboard features (issue 11). */
import type { Entry } from './translate';

export const ruInboxUi = {
  'a11y.skip': 'Перейти к содержимому',
  'a11y.messages': 'Сообщения',
  'a11y.threadList': 'Список диалогов',

  'switcher.title': 'Быстрый переход',
  'switcher.placeholder': 'Имя или номер телефона',
  'switcher.empty': 'Ничего не найдено',
  'switcher.hint': 'Ctrl+K — быстрый переход',

  'reply.personal': 'Ответить лично',
  'reply.personalTitle': 'Ответить лично: в диалоге «{name}», группа не увидит',
  'reply.openThread': 'Открыть диалог «{name}»',
  'reply.quote': '«{text}» — ',

  'to.label': 'Кому:',
  'to.people': { one: '{count} чел.', few: '{count} чел.', many: '{count} чел.', other: '{count} чел.' },
  'to.sms': { one: '{count} SMS', few: '{count} SMS', many: '{count} SMS', other: '{count} SMS' },
  'to.number': 'номер {phone}',

  'paste.added': { one: 'Добавлен {count} номер', few: 'Добавлено {count} номера', many: 'Добавлено {count} номеров', other: 'Добавлено {count} номера' },
  'paste.invalid': 'Не похоже на номер: {list}',
  'paste.dismiss': 'Скрыть',

  'newer.jump': { one: '↓ {count} новое', few: '↓ {count} новых', many: '↓ {count} новых', other: '↓ {count} новых' },
  'newer.divider': 'Новые сообщения',

  'deactivate.confirm': 'Отключить {name}? SMS ему перестанут уходить.',
  'deactivate.yes': 'Отключить',

  'error.forbidden': 'Нет доступа: это вне ваших прав. Их может расширить администратор.',
} satisfies Record<string, Entry>;

export const enInboxUi: Record<keyof typeof ruInboxUi, Entry> = {
  'a11y.skip': 'Skip to content',
  'a11y.messages': 'Messages',
  'a11y.threadList': 'Conversations',

  'switcher.title': 'Quick switcher',
  'switcher.placeholder': 'Name or phone number',
  'switcher.empty': 'Nothing found',
  'switcher.hint': 'Ctrl+K — quick switcher',

  'reply.personal': 'Reply personally',
  'reply.personalTitle': 'Reply personally: in the conversation with {name}, the group will not see it',
  'reply.openThread': 'Open the conversation with {name}',
  'reply.quote': '"{text}" - ',

  'to.label': 'To:',
  'to.people': { one: '{count} person', other: '{count} people' },
  'to.sms': { one: '{count} SMS', other: '{count} SMS' },
  'to.number': 'number {phone}',

  'paste.added': { one: '{count} number added', other: '{count} numbers added' },
  'paste.invalid': 'Not a phone number: {list}',
  'paste.dismiss': 'Dismiss',

  'newer.jump': { one: '↓ {count} new', other: '↓ {count} new' },
  'newer.divider': 'New messages',

  'deactivate.confirm': 'Deactivate {name}? No more SMS will go to them.',
  'deactivate.yes': 'Deactivate',

  'error.forbidden': 'No access: this is outside your permissions. An administrator can extend them.',
};
