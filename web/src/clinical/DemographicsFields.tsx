import { useId } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { sexLabel } from './labels.ts';
import { SEXES } from './types.ts';
import type { Demographics, Sex } from './types.ts';

/** What the demographics form holds while someone types: every field as text. */
export interface DemographicsDraft {
  identifierType: string;
  identifierValue: string;
  familyName: string;
  givenNames: string;
  birthDate: string;
  sex: Sex;
  phone: string;
  email: string;
  address: string;
}

export type DemographicsField = keyof DemographicsDraft;

export const EMPTY_DEMOGRAPHICS: DemographicsDraft = {
  identifierType: '',
  identifierValue: '',
  familyName: '',
  givenNames: '',
  birthDate: '',
  sex: 'unknown',
  phone: '',
  email: '',
  address: '',
};

export function draftOf(patient: Omit<Demographics, 'sex'> & { sex: string }): DemographicsDraft {
  return {
    identifierType: patient.identifierType,
    identifierValue: patient.identifierValue,
    familyName: patient.familyName,
    givenNames: patient.givenNames,
    birthDate: patient.birthDate,
    sex: (SEXES as readonly string[]).includes(patient.sex) ? (patient.sex as Sex) : 'unknown',
    phone: patient.phone ?? '',
    email: patient.email ?? '',
    address: patient.address ?? '',
  };
}

/** What the API takes: optional contact fields left empty are sent as null. */
export function demographicsOf(draft: DemographicsDraft): Demographics {
  const optional = (value: string): string | null => (value.trim() === '' ? null : value.trim());
  return {
    identifierType: draft.identifierType.trim(),
    identifierValue: draft.identifierValue.trim(),
    familyName: draft.familyName.trim(),
    givenNames: draft.givenNames.trim(),
    birthDate: draft.birthDate,
    sex: draft.sex,
    phone: optional(draft.phone),
    email: optional(draft.email),
    address: optional(draft.address),
  };
}

const TEXT_FIELDS: readonly {
  name: Exclude<DemographicsField, 'sex' | 'birthDate'>;
  max: number;
  required: boolean;
  type?: 'email' | 'tel';
  autoComplete: string;
}[] = [
  { name: 'identifierType', max: 40, required: true, autoComplete: 'off' },
  { name: 'identifierValue', max: 64, required: true, autoComplete: 'off' },
  { name: 'familyName', max: 200, required: true, autoComplete: 'off' },
  { name: 'givenNames', max: 200, required: true, autoComplete: 'off' },
];

const CONTACT_FIELDS: readonly {
  name: 'phone' | 'email';
  max: number;
  type: 'email' | 'tel';
}[] = [
  { name: 'phone', max: 40, type: 'tel' },
  { name: 'email', max: 200, type: 'email' },
];

interface Props {
  values: DemographicsDraft;
  onChange: (values: DemographicsDraft) => void;
  /** The field the server refused, marked invalid and described by `problem`. */
  invalid?: { field: DemographicsField; problem: string } | undefined;
  /** What the record holds now, per field, when it differs from what was typed (after a conflict). */
  onRecord?: Partial<Record<DemographicsField, string>> | undefined;
}

/** The fields of a patient's identity and contact details, for creating and for editing. */
export function DemographicsFields({ values, onChange, invalid, onRecord }: Props): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const set = (field: DemographicsField, value: string): void => {
    onChange({ ...values, [field]: value });
  };

  function extras(field: DemographicsField): { describedBy: string | undefined; notes: ReactNode } {
    const problem = invalid?.field === field ? invalid.problem : undefined;
    const current = onRecord?.[field];
    const ids = [
      problem !== undefined && `${id}-${field}-problem`,
      current !== undefined && `${id}-${field}-current`,
    ]
      .filter(Boolean)
      .join(' ');
    return {
      describedBy: ids === '' ? undefined : ids,
      notes: (
        <>
          {problem !== undefined && (
            <p id={`${id}-${field}-problem`} className="field__problem">
              {problem}
            </p>
          )}
          {current !== undefined && (
            <p id={`${id}-${field}-current`} className="field__on-record">
              {t('clinical.patient.currentValue', {
                value: current === '' ? t('clinical.patient.empty') : current,
              })}
            </p>
          )}
        </>
      ),
    };
  }

  const birth = extras('birthDate');
  const sex = extras('sex');
  const address = extras('address');

  return (
    <div className="demographics-fields">
      {TEXT_FIELDS.map((field) => {
        const { describedBy, notes } = extras(field.name);
        return (
          <div className="field" key={field.name}>
            <label htmlFor={`${id}-${field.name}`}>{t(`clinical.fields.${field.name}`)}</label>
            <input
              id={`${id}-${field.name}`}
              name={field.name}
              value={values[field.name]}
              maxLength={field.max}
              required={field.required}
              autoComplete={field.autoComplete}
              aria-invalid={invalid?.field === field.name ? true : undefined}
              aria-describedby={describedBy}
              onChange={(event) => {
                set(field.name, event.target.value);
              }}
            />
            {notes}
          </div>
        );
      })}
      <div className="field">
        <label htmlFor={`${id}-birthDate`}>{t('clinical.fields.birthDate')}</label>
        <input
          id={`${id}-birthDate`}
          name="birthDate"
          type="date"
          required
          max="9999-12-31"
          value={values.birthDate}
          aria-invalid={invalid?.field === 'birthDate' ? true : undefined}
          aria-describedby={birth.describedBy}
          onChange={(event) => {
            set('birthDate', event.target.value);
          }}
        />
        {birth.notes}
      </div>
      <div className="field">
        <label htmlFor={`${id}-sex`}>{t('clinical.fields.sex')}</label>
        <select
          id={`${id}-sex`}
          name="sex"
          value={values.sex}
          aria-describedby={sex.describedBy}
          onChange={(event) => {
            set('sex', event.target.value);
          }}
        >
          {SEXES.map((value) => (
            <option key={value} value={value}>
              {sexLabel(value, t)}
            </option>
          ))}
        </select>
        {sex.notes}
      </div>
      {CONTACT_FIELDS.map((field) => {
        const { describedBy, notes } = extras(field.name);
        return (
          <div className="field" key={field.name}>
            <label htmlFor={`${id}-${field.name}`}>{t(`clinical.fields.${field.name}`)}</label>
            <input
              id={`${id}-${field.name}`}
              name={field.name}
              type={field.type}
              value={values[field.name]}
              maxLength={field.max}
              autoComplete="off"
              aria-invalid={invalid?.field === field.name ? true : undefined}
              aria-describedby={describedBy}
              onChange={(event) => {
                set(field.name, event.target.value);
              }}
            />
            {notes}
          </div>
        );
      })}
      <div className="field field--wide">
        <label htmlFor={`${id}-address`}>{t('clinical.fields.address')}</label>
        <textarea
          id={`${id}-address`}
          name="address"
          rows={2}
          maxLength={500}
          value={values.address}
          aria-invalid={invalid?.field === 'address' ? true : undefined}
          aria-describedby={address.describedBy}
          onChange={(event) => {
            set('address', event.target.value);
          }}
        />
        {address.notes}
      </div>
    </div>
  );
}
