import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';

/** What to tell the user when the password (or code) in the confirmation dialog is refused. */
export function describeReauthenticationError(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'invalid_credentials':
        return t('stepup.wrongPassword');
      case 'second_factor_invalid': {
        const details = error.details;
        const reason =
          typeof details === 'object' && details !== null
            ? (details as { reason?: unknown }).reason
            : undefined;
        if (reason === 'code_required') return t('stepup.codeRequired');
        if (reason === 'code_used') return t('stepup.codeUsed');
        return t('stepup.codeInvalid');
      }
    }
  }
  return describeError(error, t);
}
