/** Failed requests as sentences in the current locale, with directory names for the ids they name. */
import { errorMessage } from '../i18n/errors';
import { t } from '../i18n/index.svelte';
import { directory } from './directory.svelte';

export function errorText(error: unknown): string {
  return errorMessage(error, t, {
    employee: (id) => directory.employeeById(id)?.name,
    group: (id) => directory.groupById(id)?.name,
  });
}
