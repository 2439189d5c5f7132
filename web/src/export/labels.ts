import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';

/** What to tell the user when an export is refused or breaks off. */
export function describeExportError(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'export_not_permitted':
        return t('export.errors.notPermitted');
      case 'reauthentication_required':
        return t('export.errors.reauthenticationRequired');
      case 'conflict':
        return t('export.errors.anotherRunning');
      case 'forbidden':
        return t('export.errors.forbidden');
      case 'network_error':
        return t('export.errors.interrupted');
    }
  }
  return describeError(error, t);
}
