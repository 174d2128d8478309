import { describe, expect, it } from 'vitest';
import type { TemplateRead } from '../api/types';
import { applyTemplateEvent, sortTemplates, templateValues } from './templates';

const template = (id: number, name: string): TemplateRead => ({
  id,
  name,
  body: `{{ x${id} }}`,
  variables: [`x${id}`],
  created_at: '2026-11-30T06:00:00Z',
  updated_at: '2026-11-30T06:00:00Z',
});

describe('templates', () => {
  it('sorts by name, then id', () => {
    expect(sortTemplates([template(2, 'Б'), template(3, 'А'), template(1, 'Б')]).map((t) => t.id)).toEqual([3, 1, 2]);
  });
  it('applies created, updated and deleted events', () => {
    let items = [template(1, 'Замер')];
    items = applyTemplateEvent(items, { type: 'template.created', id: 10, template: template(2, 'Авария') });
    expect(items.map((t) => t.name)).toEqual(['Авария', 'Замер']);
    items = applyTemplateEvent(items, { type: 'template.updated', id: 11, template: template(1, 'Ввод') });
    expect(items.map((t) => t.name)).toEqual(['Авария', 'Ввод']);
    items = applyTemplateEvent(items, { type: 'template.deleted', id: 12, template_id: 2 });
    expect(items.map((t) => t.id)).toEqual([1]);
  });
  it('fills every variable, empty where nothing was typed', () => {
    expect(templateValues(['address', 'order'], { order: '12', other: 'x' })).toEqual({ address: '', order: '12' });
  });
});
