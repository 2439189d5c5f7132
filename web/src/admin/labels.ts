import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';

function reasonOf(error: ApiError): string | undefined {
  const details = error.details;
  if (typeof details !== 'object' || details === null) return undefined;
  const reason = (details as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : undefined;
}

/** What to tell an administrator when a request fails; this feature's codes first. */
export function describeAdminError(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const reason = reasonOf(error);
    switch (error.code) {
      case 'forbidden':
        // `self`: administrators do not change their own access or reset their own credentials.
        if (reason === 'self') return t('admin.errors.self');
        return reason === 'shared_account' ? t('admin.errors.sharedAccount') : t('admin.errors.forbidden');
      case 'not_found':
        return t('admin.errors.notFound');
      case 'version_conflict':
        return t('admin.errors.versionConflict');
      case 'conflict':
        switch (reason) {
          case 'self':
            return t('admin.errors.self');
          case 'last_administrator':
            return t('admin.errors.lastAdministrator');
          case 'username_taken':
            return t('admin.errors.usernameTaken');
          case 'name_taken':
            return t('admin.errors.nameTaken');
          default:
            return error.message;
        }
      case 'validation_failed':
        return t('admin.errors.validation', { message: error.message });
    }
  }
  return describeError(error, t);
}

/** Whether an error says someone else changed the thing since this page read it. */
export function isVersionConflict(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'version_conflict';
}
