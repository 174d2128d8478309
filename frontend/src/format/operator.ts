/** Operators of employees' numbers, and the hint next to one whose replies cannot come back. */
import type { EmployeeRead } from '../api/types';
import type { Translate } from '../i18n/types';

const KNOWN = ['MTS', 'MegaFon', 'Beeline', 'T2'] as const;

/** The operator as people call it («МегаФон», «Билайн»); an unlisted code is shown as it is. */
export function operatorName(operator: string, t: Translate): string {
  if ((KNOWN as readonly string[]).includes(operator)) return t(`operator.${operator as (typeof KNOWN)[number]}`);
  if (operator === 'other') return t('operator.other');
  return operator;
}

/**
 * «ответы не дойдут — оператор МегаФон» for an employee whose operator is known and does not pass
 * replies on (EmployeeRead.reply_capable false); null otherwise. Raw numbers have no such data.
 */
export function noRepliesHint(employee: Pick<EmployeeRead, 'operator' | 'reply_capable'> | undefined, t: Translate): string | null {
  if (!employee || employee.reply_capable) return null;
  if (!employee.operator || employee.operator === 'other') return t('recipient.noRepliesOther');
  return t('recipient.noReplies', { operator: operatorName(employee.operator, t) });
}
