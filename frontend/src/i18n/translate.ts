/** Pure message lookup: {name} placeholders and CLDR plural forms (one / few / many / other). */

export interface PluralEntry {
  one: string;
  few?: string;
  many?: string;
  other: string;
}

export type Entry = string | PluralEntry;
export type Params = Record<string, string | number>;

/** Replace {name} placeholders; unknown names stay visible so a mistake is easy to spot. */
export function interpolate(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

const pluralRules = new Map<string, Intl.PluralRules>();

function pluralCategory(locale: string, count: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  return rules.select(count);
}

/** The text of one entry for the locale; plural entries choose their form by params.count. */
export function render(entry: Entry, locale: string, params: Params = {}): string {
  if (typeof entry === 'string') return interpolate(entry, params);
  const count = Number(params.count ?? 0);
  const category = pluralCategory(locale, count);
  const form = (category in entry ? entry[category as keyof PluralEntry] : undefined) ?? entry.other;
  return interpolate(form, params);
}
