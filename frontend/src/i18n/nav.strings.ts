/** Strings of the top bar's «Администрирование» menu (the administration pages gathered under one button). */
import type { Entry } from './translate';

export const ruNav = {
  'nav.admin': 'Администрирование',
} satisfies Record<string, Entry>;

export const enNav = {
  'nav.admin': 'Administration',
} satisfies Record<string, Entry>;
