import { useId, useState } from 'react';
import type { SubmitEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import type { ClinicalApi } from './api.ts';
import { DemographicsFields, demographicsOf, draftOf } from './DemographicsFields.tsx';
import type { DemographicsDraft, DemographicsField } from './DemographicsFields.tsx';
import { useCalendarDate } from './format.ts';
import { sexLabel } from './labels.ts';
import { demographicsProblem } from './NewPatientForm.tsx';
import type { FormProblem } from './NewPatientForm.tsx';
import type { Patient, PatientDetail } from './types.ts';

type Editing =
  | { kind: 'viewing'; saved: boolean }
  | {
      kind: 'editing';
      /** The version the edit started from: the server refuses the save if the patient changed since. */
      base: Patient;
      values: DemographicsDraft;
      busy: boolean;
      problem: FormProblem | null;
      conflict: boolean;
      reloading: boolean;
      /** After reloading: what the record holds where it differs from what was typed. */
      onRecord: Partial<Record<DemographicsField, string>> | undefined;
    };

function differences(latest: Patient, typed: DemographicsDraft): Partial<Record<DemographicsField, string>> {
  const current = draftOf(latest);
  const diff: Partial<Record<DemographicsField, string>> = {};
  for (const field of Object.keys(current) as DemographicsField[]) {
    if (current[field] !== typed[field]) diff[field] = current[field];
  }
  return diff;
}

/** Identity and contact details, editable by roles that may, without ever overwriting someone else's edit. */
export function DemographicsCard({
  api,
  patient,
  canEdit,
  onChanged,
}: {
  api: ClinicalApi;
  patient: Patient;
  canEdit: boolean;
  onChanged: (patient: Patient | PatientDetail) => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const date = useCalendarDate();
  const [state, setState] = useState<Editing>({ kind: 'viewing', saved: false });
  const empty = t('clinical.patient.empty');
  const orEmpty = (value: string | null): string => (value === null || value === '' ? empty : value);

  async function save(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (state.kind !== 'editing') return;
    const editing = state;
    setState({ ...editing, busy: true, problem: null });
    try {
      const saved = await api.updatePatient(patient.id, editing.base.version, demographicsOf(editing.values));
      onChanged(saved);
      setState({ kind: 'viewing', saved: true });
    } catch (error) {
      const conflict = error instanceof ApiError && error.code === 'version_conflict';
      // The typed values stay in the form whatever happened.
      setState({
        ...editing,
        busy: false,
        conflict,
        problem: conflict ? { message: t('clinical.patient.conflict') } : demographicsProblem(error, t),
      });
    }
  }

  async function reloadCurrent(): Promise<void> {
    if (state.kind !== 'editing') return;
    const editing = state;
    setState({ ...editing, reloading: true });
    try {
      const latest = await api.getPatient(patient.id);
      onChanged(latest);
      setState({
        ...editing,
        base: latest,
        reloading: false,
        conflict: false,
        problem: null,
        onRecord: differences(latest, editing.values),
      });
    } catch (error) {
      setState({ ...editing, reloading: false, problem: demographicsProblem(error, t) });
    }
  }

  return (
    <section className="card card--wide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('clinical.patient.demographics')}</h2>
      {state.kind === 'viewing' ? (
        <>
          <dl className="facts">
            <dt>{t('clinical.fields.identifierType')}</dt>
            <dd>{patient.identifierType}</dd>
            <dt>{t('clinical.fields.identifierValue')}</dt>
            <dd>{patient.identifierValue}</dd>
            <dt>{t('clinical.fields.familyName')}</dt>
            <dd>{patient.familyName}</dd>
            <dt>{t('clinical.fields.givenNames')}</dt>
            <dd>{patient.givenNames}</dd>
            <dt>{t('clinical.fields.birthDate')}</dt>
            <dd>
              <time dateTime={patient.birthDate}>{date(patient.birthDate)}</time>
            </dd>
            <dt>{t('clinical.fields.sex')}</dt>
            <dd>{sexLabel(patient.sex, t)}</dd>
            <dt>{t('clinical.fields.phone')}</dt>
            <dd>{orEmpty(patient.phone)}</dd>
            <dt>{t('clinical.fields.email')}</dt>
            <dd>{orEmpty(patient.email)}</dd>
            <dt>{t('clinical.fields.address')}</dt>
            <dd className="preserve-lines">{orEmpty(patient.address)}</dd>
          </dl>
          {state.saved && (
            <p className="message message--success" role="status">
              {t('clinical.patient.saved')}
            </p>
          )}
          {canEdit && (
            <p className="form__actions">
              <button
                type="button"
                className="button button--secondary"
                onClick={() => {
                  setState({
                    kind: 'editing',
                    base: patient,
                    values: draftOf(patient),
                    busy: false,
                    problem: null,
                    conflict: false,
                    reloading: false,
                    onRecord: undefined,
                  });
                }}
              >
                {t('clinical.patient.edit')}
              </button>
            </p>
          )}
        </>
      ) : (
        <form className="form" aria-labelledby={`${id}-title`} onSubmit={(event) => void save(event)}>
          <DemographicsFields
            values={state.values}
            onChange={(values) => {
              setState({ ...state, values });
            }}
            invalid={state.problem?.field}
            onRecord={state.onRecord}
          />
          {state.problem && (
            <div className={`message ${state.conflict ? 'message--warning' : 'message--error'}`} role="alert">
              <p>{state.problem.message}</p>
              {state.conflict && (
                <p className="message__action">
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    disabled={state.reloading}
                    aria-busy={state.reloading}
                    onClick={() => void reloadCurrent()}
                  >
                    {t('clinical.patient.reloadCurrent')}
                  </button>
                </p>
              )}
            </div>
          )}
          {state.onRecord !== undefined && state.problem === null && (
            <p className="message message--info" role="status">
              {Object.keys(state.onRecord).length === 0
                ? t('clinical.patient.reloadedSame')
                : t('clinical.patient.reloaded')}
            </p>
          )}
          <div className="form__actions">
            <button
              type="submit"
              className="button button--primary"
              disabled={state.busy}
              aria-busy={state.busy}
            >
              {state.busy ? t('clinical.patient.saving') : t('clinical.patient.save')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              disabled={state.busy}
              onClick={() => {
                setState({ kind: 'viewing', saved: false });
              }}
            >
              {t('clinical.common.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
