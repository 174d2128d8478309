/** Server refusals mapped onto form fields. */
import { ApiError, type FieldError } from '../api/client';

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

/** A failed save as a form shows it: one sentence above the form and messages under fields. */
export interface FormFailure {
  message: string;
  fields: Record<string, string>;
}

/**
 * `message` is the error already put into words (errorText); a validation error's field errors go
 * under their fields, and a refusal whose code `codeFields` ties to a field puts `message` under it.
 */
export function formFailure(error: unknown, message: string, codeFields: Record<string, string> = {}): FormFailure {
  if (!(error instanceof ApiError)) return { message, fields: {} };
  const fields = fieldErrorMap(error.fieldErrors);
  const field = error.code ? codeFields[error.code] : undefined;
  if (field && !fields[field]) fields[field] = message;
  return { message, fields };
}
