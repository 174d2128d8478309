/**
 * SMS segment counting exactly as an SMSC bills it (port of backend sms/segments.py).
 *
 * GSM-7: basic table chars cost 1 septet, extension table chars cost 2 (ESC + char);
 * 160 septets in one part, 153 per part when concatenated; an ESC pair never straddles parts.
 * UCS-2: UTF-16 code units; 70 in one part, 67 per part when concatenated; a surrogate
 * pair (a character outside the BMP) costs 2 and never straddles parts.
 */

export type Encoding = 'GSM-7' | 'UCS-2';

export const MAX_TEXT_LENGTH = 1000;

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

const LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

export interface SegmentInfo {
  encoding: Encoding;
  /** characters (code points), the unit of the 1000-character limit */
  length: number;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number;
  parts: number;
  /** units still free in the last part before another part is needed */
  remaining: number;
  /** units per part for the current number of parts */
  perPart: number;
  tooLong: boolean;
}

/** Code points of the text (what Python's len() counts). */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/** The encoding an SMSC will use for this text. */
export function detectEncoding(text: string): Encoding {
  for (const ch of text) {
    if (!BASIC.has(ch) && !EXTENSION.has(ch)) return 'UCS-2';
  }
  return 'GSM-7';
}

/** Cost of one character in units of the given encoding. */
function unitCost(ch: string, encoding: Encoding): number {
  if (encoding === 'GSM-7') return EXTENSION.has(ch) ? 2 : 1;
  return ch.length; // UTF-16 code units: 2 for a surrogate pair
}

/** Pack characters into parts of `perPart` units without splitting any character. */
function packParts(costs: number[], perPart: number): { parts: number; lastFill: number } {
  let parts = 1;
  let fill = 0;
  for (const cost of costs) {
    if (fill + cost > perPart) {
      parts += 1;
      fill = 0;
    }
    fill += cost;
  }
  return { parts, lastFill: fill };
}

/** Count encoding, units, parts and units left in the last part for `text`. */
export function countSegments(text: string): SegmentInfo {
  const chars = codePoints(text);
  const encoding = detectEncoding(text);
  const costs = chars.map((ch) => unitCost(ch, encoding));
  const units = costs.reduce((sum, c) => sum + c, 0);
  const limits = LIMITS[encoding];
  const tooLong = chars.length > MAX_TEXT_LENGTH;
  if (units <= limits.single) {
    return {
      encoding,
      length: chars.length,
      units,
      parts: units === 0 ? 0 : 1,
      remaining: limits.single - units,
      perPart: limits.single,
      tooLong,
    };
  }
  const { parts, lastFill } = packParts(costs, limits.multi);
  return {
    encoding,
    length: chars.length,
    units,
    parts,
    remaining: limits.multi - lastFill,
    perPart: limits.multi,
    tooLong,
  };
}
