import { useId, useState } from 'react';
import type { SubmitEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { instantFromLocalInput } from '../clinical/format.ts';
import type { AuditFilter } from './api.ts';
import { actionLabel, AUDIT_ACTIONS } from './labels.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface FilterValues {
  actor: string;
  patient: string;
  action: string;
  /** datetime-local values, in the browser's time zone. */
  from: string;
  to: string;
}

export const NO_FILTER: FilterValues = { actor: '', patient: '', action: '', from: '', to: '' };

type Problem = { field: keyof FilterValues; message: string } | null;

/** The API's filter, or the first field that cannot be sent as typed. */
function toFilter(
  values: FilterValues,
  t: TFunction,
): { filter: AuditFilter } | { problem: NonNullable<Problem> } {
  const actor = values.actor.trim();
  const patient = values.patient.trim();
  if (actor !== '' && !UUID.test(actor))
    return { problem: { field: 'actor', message: t('audit.invalidId') } };
  if (patient !== '' && !UUID.test(patient))
    return { problem: { field: 'patient', message: t('audit.invalidId') } };
  const from = instantFromLocalInput(values.from);
  const to = instantFromLocalInput(values.to);
  if (from !== undefined && to !== undefined && from > to) {
    return { problem: { field: 'to', message: t('audit.fromAfterTo') } };
  }
  const filter: AuditFilter = {};
  if (actor !== '') filter.actor = actor.toLowerCase();
  if (patient !== '') filter.patient = patient.toLowerCase();
  if (values.action !== '') filter.action = values.action;
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  return { filter };
}

export function AuditFilters({
  values,
  actorsSeen,
  busy,
  onChange,
  onApply,
}: {
  values: FilterValues;
  /** Users met in the events loaded so far, by id: picking one fills the user id. */
  actorsSeen: ReadonlyMap<string, string>;
  busy: boolean;
  onChange: (values: FilterValues) => void;
  onApply: (filter: AuditFilter) => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [problem, setProblem] = useState<Problem>(null);
  const set = (field: keyof FilterValues, value: string): void => {
    onChange({ ...values, [field]: value });
  };

  function submit(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    const result = toFilter(values, t);
    if ('problem' in result) {
      setProblem(result.problem);
      return;
    }
    setProblem(null);
    onApply(result.filter);
  }

  const invalid = (field: keyof FilterValues): { 'aria-invalid'?: true; 'aria-describedby'?: string } =>
    problem?.field === field ? { 'aria-invalid': true, 'aria-describedby': `${id}-problem` } : {};
  const seen = [...actorsSeen].sort((a, b) => a[1].localeCompare(b[1]));
  const actorKnown = actorsSeen.has(values.actor.trim().toLowerCase());

  return (
    <form className="form audit-filters" aria-label={t('audit.filters')} onSubmit={submit}>
      <div className="audit-filters__grid">
        <div className="field">
          <label htmlFor={`${id}-seen`}>{t('audit.actor')}</label>
          <select
            id={`${id}-seen`}
            value={actorKnown ? values.actor.trim().toLowerCase() : ''}
            onChange={(event) => {
              set('actor', event.target.value);
            }}
          >
            <option value="">
              {actorKnown || values.actor === '' ? t('audit.anyone') : t('audit.otherUser')}
            </option>
            {seen.map(([actorId, username]) => (
              <option key={actorId} value={actorId}>
                {username}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-actor`}>{t('audit.actorId')}</label>
          <input
            id={`${id}-actor`}
            value={values.actor}
            autoComplete="off"
            spellCheck={false}
            {...invalid('actor')}
            onChange={(event) => {
              set('actor', event.target.value);
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-patient`}>{t('audit.patientId')}</label>
          <input
            id={`${id}-patient`}
            value={values.patient}
            autoComplete="off"
            spellCheck={false}
            {...invalid('patient')}
            onChange={(event) => {
              set('patient', event.target.value);
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-action`}>{t('audit.action')}</label>
          <select
            id={`${id}-action`}
            value={values.action}
            onChange={(event) => {
              set('action', event.target.value);
            }}
          >
            <option value="">{t('audit.anyAction')}</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {actionLabel(action, t)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`}>{t('audit.from')}</label>
          <input
            id={`${id}-from`}
            type="datetime-local"
            value={values.from}
            {...invalid('from')}
            onChange={(event) => {
              set('from', event.target.value);
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>{t('audit.to')}</label>
          <input
            id={`${id}-to`}
            type="datetime-local"
            value={values.to}
            {...invalid('to')}
            onChange={(event) => {
              set('to', event.target.value);
            }}
          />
        </div>
      </div>
      {problem !== null && (
        <p id={`${id}-problem`} className="message message--error" role="alert">
          {problem.message}
        </p>
      )}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {t('audit.apply')}
        </button>
        <button
          type="button"
          className="button button--secondary"
          disabled={busy}
          onClick={() => {
            setProblem(null);
            onChange(NO_FILTER);
            onApply({});
          }}
        >
          {t('audit.clear')}
        </button>
      </div>
    </form>
  );
}
