import type { TFunction } from 'i18next';
import type { PasswordReason } from '../api/types.ts';

/**
 * A rejection reason in the reader's language. The server's reasons carry stable codes (and, from some
 * routes, the numbers or word involved); a code this app does not know yet keeps the server's words.
 * `minLength` fills in the length when the answer left it out.
 */
export function reasonText(reason: PasswordReason, t: TFunction, minLength?: number): string {
  switch (reason.code) {
    case 'too_short': {
      const count = reason.min ?? minLength;
      return count === undefined
        ? t('password.reasons.too_short_unknown')
        : t('password.reasons.too_short', { count });
    }
    case 'too_long':
      return reason.max === undefined
        ? t('password.reasons.too_long_unknown')
        : t('password.reasons.too_long', { count: reason.max });
    case 'contains_context':
      return reason.word === undefined
        ? t('password.reasons.contains_context_unknown')
        : t('password.reasons.contains_context', { word: reason.word });
    case 'common':
      return t('password.reasons.common');
    case 'composition':
      return t('password.reasons.composition');
    case 'repeated_or_sequential':
      return t('password.reasons.repeated_or_sequential');
    case 'reused':
      return t('password.reasons.reused');
    default:
      return reason.message;
  }
}
