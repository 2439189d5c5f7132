import { useId, useState } from 'react';
import type { SubmitEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PatientQuery } from './types.ts';

type SearchBy = PatientQuery['by'];
const SEARCH_BY: readonly SearchBy[] = ['name', 'identifier', 'birthDate'];

/** One way of finding a patient at a time, as the server searches: by name, identifier or birth date. */
export function PatientSearchForm({
  busy,
  onSearch,
}: {
  busy: boolean;
  onSearch: (query: PatientQuery) => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [by, setBy] = useState<SearchBy>('name');
  const [name, setName] = useState('');
  const [fuzzy, setFuzzy] = useState(false);
  const [identifier, setIdentifier] = useState('');
  const [birthDate, setBirthDate] = useState('');

  function submit(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (by === 'name' && name.trim() !== '')
      onSearch({ by, name: name.trim(), mode: fuzzy ? 'fuzzy' : 'prefix' });
    if (by === 'identifier' && identifier.trim() !== '') onSearch({ by, identifier: identifier.trim() });
    if (by === 'birthDate' && birthDate !== '') onSearch({ by, birthDate });
  }

  return (
    <form
      className="form patient-search"
      role="search"
      aria-label={t('clinical.patients.searchTitle')}
      onSubmit={submit}
    >
      <fieldset className="choice-group choice-group--inline">
        <legend>{t('clinical.patients.searchBy')}</legend>
        {SEARCH_BY.map((value) => (
          <label key={value} className="choice">
            <input
              type="radio"
              name={`${id}-by`}
              value={value}
              checked={by === value}
              onChange={() => {
                setBy(value);
              }}
            />
            {t(`clinical.patients.by.${value}`)}
          </label>
        ))}
      </fieldset>

      {by === 'name' && (
        <>
          <div className="field">
            <label htmlFor={`${id}-name`}>{t('clinical.fields.name')}</label>
            <input
              id={`${id}-name`}
              type="search"
              value={name}
              required
              maxLength={200}
              autoComplete="off"
              aria-describedby={`${id}-name-hint`}
              onChange={(event) => {
                setName(event.target.value);
              }}
            />
            <p id={`${id}-name-hint`} className="field__hint">
              {t('clinical.patients.nameHint')}
            </p>
          </div>
          <label className="choice">
            <input
              type="checkbox"
              checked={fuzzy}
              onChange={(event) => {
                setFuzzy(event.target.checked);
              }}
            />
            {t('clinical.patients.fuzzy')}
          </label>
        </>
      )}
      {by === 'identifier' && (
        <div className="field">
          <label htmlFor={`${id}-identifier`}>{t('clinical.fields.identifierValue')}</label>
          <input
            id={`${id}-identifier`}
            type="search"
            value={identifier}
            required
            maxLength={64}
            autoComplete="off"
            onChange={(event) => {
              setIdentifier(event.target.value);
            }}
          />
        </div>
      )}
      {by === 'birthDate' && (
        <div className="field">
          <label htmlFor={`${id}-birth`}>{t('clinical.fields.birthDate')}</label>
          <input
            id={`${id}-birth`}
            type="date"
            value={birthDate}
            required
            max="9999-12-31"
            onChange={(event) => {
              setBirthDate(event.target.value);
            }}
          />
        </div>
      )}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy} aria-busy={busy}>
          {busy ? t('clinical.patients.searching') : t('clinical.patients.search')}
        </button>
      </div>
    </form>
  );
}
