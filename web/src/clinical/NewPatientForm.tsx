import { useId, useState } from 'react';
import type { SubmitEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';
import type { ClinicalApi } from './api.ts';
import { DemographicsFields, demographicsOf, EMPTY_DEMOGRAPHICS } from './DemographicsFields.tsx';
import type { DemographicsDraft, DemographicsField } from './DemographicsFields.tsx';
import { describeClinicalError, invalidFieldOf } from './labels.ts';
import type { Patient } from './types.ts';

export interface FormProblem {
  message: string;
  field?: { field: DemographicsField; problem: string } | undefined;
}

const FIELDS = new Set<string>(Object.keys(EMPTY_DEMOGRAPHICS));

/** A refused demographics save, tied to the field it is about when the server says which. */
export function demographicsProblem(error: unknown, t: TFunction): FormProblem {
  if (error instanceof ApiError && error.code === 'conflict') {
    const problem = t('clinical.patients.identifierTaken');
    return { message: problem, field: { field: 'identifierValue', problem } };
  }
  const message = describeClinicalError(error, t);
  const field = invalidFieldOf(error);
  if (field !== undefined && FIELDS.has(field)) {
    const name = field as DemographicsField;
    return {
      message: t('clinical.patients.invalidField', { field: t(`clinical.fields.${name}`) }),
      field: { field: name, problem: message },
    };
  }
  return { message };
}

export function NewPatientForm({
  api,
  onCreated,
  onCancel,
}: {
  api: ClinicalApi;
  onCreated: (patient: Patient) => void;
  onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [values, setValues] = useState<DemographicsDraft>(EMPTY_DEMOGRAPHICS);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<FormProblem | null>(null);

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      onCreated(await api.createPatient(demographicsOf(values)));
    } catch (error) {
      setProblem(demographicsProblem(error, t));
      setBusy(false);
    }
  }

  return (
    <section className="card card--wide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('clinical.patients.newTitle')}</h2>
      <form className="form" aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)}>
        <DemographicsFields values={values} onChange={setValues} invalid={problem?.field} />
        {problem && (
          <p className="message message--error" role="alert">
            {problem.message}
          </p>
        )}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy} aria-busy={busy}>
            {busy ? t('clinical.patients.creating') : t('clinical.patients.create')}
          </button>
          <button type="button" className="button button--secondary" disabled={busy} onClick={onCancel}>
            {t('clinical.common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
