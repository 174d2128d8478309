/** Server validation errors mapped onto form fields. */
import type { FieldError } from '../api/client';

/** {field: message} from the server's field errors; keys like "body.phone" or "$.phone" become "phone". */
export function fieldErrorMap(errors: FieldError[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { key, message } of errors) {
    const field = key.split(/[./[\]]/).filter(Boolean).pop() ?? '';
    if (!field) continue;
    map[field] = map[field] ? `${map[field]}; ${message}` : message;
  }
  return map;
}
