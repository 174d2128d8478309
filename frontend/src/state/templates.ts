/** Message templates as the composer and the templates page list them (docs/templates.md). */
import type { TemplateEvent, TemplateRead } from '../api/types';

/** Templates by name, as the server orders them. */
export function sortTemplates(items: TemplateRead[]): TemplateRead[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
}

/** The list after a template was created, changed or deleted elsewhere. */
export function applyTemplateEvent(items: TemplateRead[], event: TemplateEvent): TemplateRead[] {
  if (event.type === 'template.deleted') return items.filter((item) => item.id !== event.template_id);
  const others = items.filter((item) => item.id !== event.template.id);
  return sortTemplates([...others, event.template]);
}

/** The values to render with: each of the template's variables, empty where nothing was typed yet. */
export function templateValues(variables: string[], typed: Record<string, string>): Record<string, string> {
  return Object.fromEntries(variables.map((name) => [name, typed[name] ?? '']));
}
