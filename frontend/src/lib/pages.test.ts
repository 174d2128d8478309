import { createRawSnippet } from 'svelte';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { RemoteList } from '../stores/remoteList.svelte';
import { RemoteValue } from '../stores/remoteValue.svelte';
import ListPage from './ListPage.svelte';
import SettingsCard from './SettingsCard.svelte';
import StackPage from './StackPage.svelte';

type Item = { id: number; name: string };

const row = createRawSnippet((item: () => Item) => ({ render: () => `<li>${item().name}</li>` }));
const text = (html: string) => createRawSnippet(() => ({ render: () => html }));

function loaded(items: Item[]): RemoteList<Item> {
  const list = new RemoteList<Item>(async () => ({ items }));
  list.items = items;
  list.loaded = true;
  return list;
}

describe('ListPage', () => {
  it('shows the texts of its name, the create button and the rows in the given order', () => {
    const list = loaded([{ id: 1, name: 'first' }, { id: 2, name: 'second' }]);
    const props = { name: 'tokens' as const, list, items: [...list.items].reverse(), onCreate: () => undefined, row };
    const { body } = render(ListPage<Item>, { props });
    expect(body).toMatch(/<h1[^>]*>API-токены<\/h1>/);
    expect(body).toMatch(/data-testid="tokens-create"[^>]*>\+ Создать токен</);
    expect(body).toContain('data-testid="tokens-list"');
    expect(body.indexOf('second')).toBeLessThan(body.indexOf('first'));
  });

  it('says the list is empty, and shows the spinner until it is loaded', () => {
    const empty = render(ListPage<Item>, { props: { name: 'templates' as const, list: loaded([]), onCreate: () => undefined, row } });
    expect(empty.body).toMatch(/<li class="empty muted[^"]*">Шаблонов пока нет<\/li>/);
    const list = new RemoteList<Item>(async () => ({ items: [] }));
    const waiting = render(ListPage<Item>, { props: { name: 'templates' as const, list, onCreate: () => undefined, row } });
    expect(waiting.body).not.toContain('data-testid="templates-list"');
    expect(waiting.body).toContain('pane-status');
  });
});

describe('SettingsCard', () => {
  it('labels the section by its heading and renders the form over the value once it is there', () => {
    const remote = new RemoteValue(async () => ({ secret: 's3' }));
    const props = { id: 'hooks', testid: 'webhook-settings', title: 'Вебхуки', hint: 'hint', remote, children: text('<form></form>') };
    expect(render(SettingsCard<{ secret: string }>, { props }).body).toContain('pane-status');
    remote.set({ secret: 's3' });
    const { body } = render(SettingsCard<{ secret: string }>, { props });
    expect(body).toMatch(/aria-labelledby="hooks-heading"/);
    expect(body).toMatch(/<h2 id="hooks-heading"[^>]*>Вебхуки<\/h2>/);
    expect(body).toContain('<form></form>');
    expect(body).not.toContain('pane-status');
  });
});

describe('StackPage', () => {
  it('puts the title and hint over its cards', () => {
    const props = { title: 'Интеграции', hint: 'hint', testid: 'integrations-page', children: text('<section></section>') };
    const { body } = render(StackPage, { props });
    expect(body).toContain('data-testid="integrations-page"');
    expect(body).toMatch(/<h1[^>]*>Интеграции<\/h1>/);
    expect(body).toContain('<section></section>');
  });
});
