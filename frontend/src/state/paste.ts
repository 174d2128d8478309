/** Numbers pasted by the handful: «+7916…, 8 916 …; 7916…» or a column from a spreadsheet. */
import type { EmployeeRead } from '../api/types';
import { looksLikePhone, normalisePhone, type RecipientChip } from './recipients';

export interface PastedNumbers {
  /** normalised (+7…), de-duplicated, in the order pasted */
  phones: string[];
  /** the pieces that are not a phone number, as pasted (trimmed) */
  invalid: string[];
}

/** Separators between numbers: commas, semicolons, line breaks, tabs (spreadsheet cells), or a space before '+'. */
const SEPARATORS = /[,;\n\r\t]+|\s+(?=\+)/;

/** Whether pasted text holds several pieces (so the box should make chips of it rather than search). */
export function isNumberList(text: string): boolean {
  return SEPARATORS.test(text.trim()) && /\d{5}/.test(text.replace(/[\s()-]/g, ''));
}

/** A phone in the loose E.164 form the composer sends, or null: +7 needs 11 digits, others 10–15. */
export function pastedPhone(piece: string): string | null {
  if (!/^\+?[\d\s().-]+$/.test(piece)) return null;
  const phone = normalisePhone(piece);
  const digits = phone.length - 1;
  if (phone.startsWith('+7')) return digits === 11 ? phone : null;
  return digits >= 10 && digits <= 15 ? phone : null;
}

/** Split pasted text into valid numbers (normalised, de-duplicated) and the pieces that are not numbers. */
export function parsePastedNumbers(text: string): PastedNumbers {
  const phones: string[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(SEPARATORS)) {
    const piece = raw.trim();
    if (!piece) continue;
    const phone = pastedPhone(piece);
    if (phone === null) invalid.push(piece);
    else if (!phones.includes(phone)) phones.push(phone);
  }
  return { phones, invalid };
}

/**
 * Chips for a paste into the recipient box, or null when the text is not a list of numbers (a name
 * search goes on as typed). A number of a listed employee becomes that employee's chip; a raw number
 * only for senders who may send to any number (a restricted one gets it listed as not allowed).
 */
export function chipsForPaste(
  text: string,
  employees: EmployeeRead[],
  restricted: boolean,
): { chips: RecipientChip[]; invalid: string[] } | null {
  if (!isNumberList(text) && !(looksLikePhone(text) && pastedPhone(text.trim()))) return null;
  const { phones, invalid } = parsePastedNumbers(text);
  const byPhone = new Map(employees.filter((e) => e.active).map((e) => [normalisePhone(e.phone), e.id]));
  const chips: RecipientChip[] = [];
  for (const phone of phones) {
    const id = byPhone.get(phone);
    if (id !== undefined) chips.push({ kind: 'employee', id });
    else if (restricted) invalid.push(phone);
    else chips.push({ kind: 'number', phone });
  }
  return { chips, invalid };
}
