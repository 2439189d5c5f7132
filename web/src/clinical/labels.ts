import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';
import { ALLERGY_SEVERITIES, ENCOUNTER_TYPES, JUSTIFICATION_REASONS, SEXES } from './types.ts';
import type { AllergySeverity, EncounterType, JustificationReason, Sex } from './types.ts';

// Fixed values the app translates; a value a newer server sends is shown as it came.

const isOneOf = <T extends string>(values: readonly T[], value: string): value is T =>
  (values as readonly string[]).includes(value);

export function sexLabel(sex: string, t: TFunction): string {
  return isOneOf<Sex>(SEXES, sex) ? t(`clinical.sex.${sex}`) : sex;
}

export function encounterTypeLabel(type: string, t: TFunction): string {
  return isOneOf<EncounterType>(ENCOUNTER_TYPES, type) ? t(`clinical.record.types.${type}`) : type;
}

export function severityLabel(severity: string, t: TFunction): string {
  return isOneOf<AllergySeverity>(ALLERGY_SEVERITIES, severity)
    ? t(`clinical.record.severities.${severity}`)
    : severity;
}

export function reasonLabel(reason: string, t: TFunction): string {
  return isOneOf<JustificationReason>(JUSTIFICATION_REASONS, reason)
    ? t(`clinical.access.reasons.${reason}`)
    : reason;
}

/** The request field a `validation_failed` message names ("body/birthDate must match…"), if any. */
export function invalidFieldOf(error: unknown): string | undefined {
  if (!(error instanceof ApiError) || error.code !== 'validation_failed') return undefined;
  return /^body\/(\w+)/.exec(error.message)?.[1];
}

/** What to tell the user when a patient or record request fails; the codes of this feature first. */
export function describeClinicalError(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'forbidden':
        return t('clinical.errors.forbidden');
      case 'not_found':
        return t('clinical.errors.notFound');
      case 'justification_required':
        return t('clinical.errors.justificationRequired');
      case 'version_conflict':
        return t('clinical.errors.versionConflict');
      case 'validation_failed':
        return t('clinical.errors.validation', { message: error.message });
    }
  }
  return describeError(error, t);
}
