/** Strings of tag threads and external contacts on tags (issue 8: «Теги», «СТОП» opt-outs). */
import type { Entry } from './translate';

export const ruTagThreads = {
  'tagThreads.filter': 'Теги',
  'tagThreads.subtitle': { one: 'Тег · {count} подписчик', few: 'Тег · {count} подписчика', many: 'Тег · {count} подписчиков', other: 'Тег · {count} подписчика' },
  'tagThreads.noSubscribers': 'На этот тег никто не подписан: напишите исполнителю в его диалоге, начав текст с тега',
  'tagThreads.optedOut': { one: '{count} отписался', few: '{count} отписались', many: '{count} отписались', other: '{count} отписались' },
  'tagThreads.optedOutTitle': 'Ответили «СТОП»: им не придёт',
  'error.unknown_tags': { one: 'На тег никто не подписан: {tags}', few: 'На теги никто не подписан: {tags}', many: 'На теги никто не подписан: {tags}', other: 'На теги никто не подписан: {tags}' },
  'contactTags.tags': 'Теги',
  'contactTags.edit': 'Теги…',
  'contactTags.none': 'Без тегов',
  'contactTags.optedOut': 'отписан',
  'contactTags.optedOutTitle': 'Ответил «СТОП» на #{tag}: рассылки по тегу ему не приходят',
  'contactTags.resubscribe': 'Вернуть #{tag}',
  'contactTags.add': 'Добавить контакт',
  'contactTags.phone': 'Телефон',
  'contactTags.hint': 'Подписчик получает всё, что отправлено на тег. Ответ «СТОП» отписывает его, «СТОП #тег» — только от тега.',
} satisfies Record<string, Entry>;

export const enTagThreads: Record<keyof typeof ruTagThreads, Entry> = {
  'tagThreads.filter': 'Tags',
  'tagThreads.subtitle': { one: 'Tag · {count} subscriber', other: 'Tag · {count} subscribers' },
  'tagThreads.noSubscribers': 'Nobody subscribes to this tag: write to the person in their own conversation, starting the text with the tag',
  'tagThreads.optedOut': { one: '{count} opted out', other: '{count} opted out' },
  'tagThreads.optedOutTitle': 'Replied «STOP»: they will not get it',
  'error.unknown_tags': { one: 'Nobody subscribes to {tags}', other: 'Nobody subscribes to {tags}' },
  'contactTags.tags': 'Tags',
  'contactTags.edit': 'Tags…',
  'contactTags.none': 'No tags',
  'contactTags.optedOut': 'opted out',
  'contactTags.optedOutTitle': 'Replied «STOP» to #{tag}: sends to the tag no longer reach them',
  'contactTags.resubscribe': 'Restore #{tag}',
  'contactTags.add': 'Add a contact',
  'contactTags.phone': 'Phone',
  'contactTags.hint': 'A subscriber gets everything sent to the tag. A «STOP» reply opts them out, «STOP #tag» out of that tag only.',
};
