import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SystemApi } from './api.ts';
import { describeAdminError } from './labels.ts';
import { OneTimeLink } from './OneTimeLink.tsx';
import { browserTimeZone, TimeZoneSelect } from './TimeZoneSelect.tsx';

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;

type Outcome =
  | { kind: 'editing' }
  | { kind: 'sending' }
  | { kind: 'failed'; message: string }
  | { kind: 'created'; institution: string; administrator: string; link: string };

/**
 * A new institution with its first administrator, who receives a one-time link to choose their own
 * password: the system administrator hands the link over and never learns the password.
 */
export function NewInstitutionForm({
  api,
  onCreated,
  onClose,
}: {
  api: SystemApi;
  onCreated: () => void;
  onClose: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [name, setName] = useState('');
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const [twoFactorEnabled, setTwoFactorEnabled] = useState(true);
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [checked, setChecked] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'editing' });

  const nameProblem = name.trim() === '';
  const usernameProblem = !USERNAME.test(username.trim().toLowerCase());
  const displayNameProblem = displayName.trim() === '';

  async function create(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setChecked(true);
    if (nameProblem || usernameProblem || displayNameProblem) return;
    setOutcome({ kind: 'sending' });
    try {
      const created = await api.createInstitution({
        name: name.trim(),
        timeZone,
        twoFactorEnabled,
        firstAdmin: { username: username.trim().toLowerCase(), displayName: displayName.trim(), email },
      });
      setOutcome({
        kind: 'created',
        institution: created.institution.name,
        administrator: displayName.trim(),
        link: created.setPasswordLink,
      });
      onCreated();
    } catch (error) {
      setOutcome({ kind: 'failed', message: describeAdminError(error, t) });
    }
  }

  const headingId = `${id}-title`;
  if (outcome.kind === 'created') {
    return (
      <section className="card card--wide" aria-labelledby={headingId}>
        <h2 id={headingId}>{t('admin.institutions.formTitle')}</h2>
        <OneTimeLink
          title={t('admin.institutions.done', { institution: outcome.institution })}
          link={outcome.link}
          person={outcome.administrator}
        />
        <div className="form__actions admin-actions-top">
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('admin.common.close')}
          </button>
        </div>
      </section>
    );
  }

  const sending = outcome.kind === 'sending';
  return (
    <section className="card card--wide" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('admin.institutions.formTitle')}</h2>
      <form className="form" aria-labelledby={headingId} noValidate onSubmit={(event) => void create(event)}>
        <div className="admin-grid">
          <div className="field">
            <label htmlFor={`${id}-name`}>{t('admin.institutions.name')}</label>
            <input
              id={`${id}-name`}
              type="text"
              maxLength={200}
              value={name}
              aria-invalid={checked && nameProblem}
              onChange={(event) => {
                setName(event.target.value);
              }}
            />
          </div>
          <TimeZoneSelect id={`${id}-zone`} value={timeZone} onChange={setTimeZone} />
        </div>
        <label className="choice">
          <input
            type="checkbox"
            checked={twoFactorEnabled}
            onChange={(event) => {
              setTwoFactorEnabled(event.target.checked);
            }}
          />
          {t('admin.settings.twoFactorEnabled')}
        </label>
        <fieldset className="choice-group">
          <legend>{t('admin.institutions.firstAdmin')}</legend>
          <div className="admin-grid">
            <div className="field">
              <label htmlFor={`${id}-username`}>{t('admin.fields.username')}</label>
              <input
                id={`${id}-username`}
                type="text"
                autoComplete="off"
                autoCapitalize="none"
                spellCheck={false}
                maxLength={63}
                value={username}
                aria-invalid={checked && usernameProblem}
                aria-describedby={`${id}-username-hint`}
                onChange={(event) => {
                  setUsername(event.target.value);
                }}
              />
              <p
                id={`${id}-username-hint`}
                className={checked && usernameProblem ? 'field__problem' : 'field__hint'}
              >
                {t('admin.fields.usernameHint')}
              </p>
            </div>
            <div className="field">
              <label htmlFor={`${id}-display`}>{t('admin.fields.displayName')}</label>
              <input
                id={`${id}-display`}
                type="text"
                maxLength={200}
                value={displayName}
                aria-invalid={checked && displayNameProblem}
                onChange={(event) => {
                  setDisplayName(event.target.value);
                }}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-email`}>{t('admin.fields.emailOptional')}</label>
              <input
                id={`${id}-email`}
                type="email"
                maxLength={254}
                value={email}
                onChange={(event) => {
                  setEmail(event.target.value);
                }}
              />
            </div>
          </div>
        </fieldset>
        <p className="field__hint">{t('admin.institutions.noPassword')}</p>
        {outcome.kind === 'failed' && (
          <p className="message message--error" role="alert">
            {outcome.message}
          </p>
        )}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={sending} aria-busy={sending}>
            {sending ? t('admin.institutions.creating') : t('admin.institutions.create')}
          </button>
          <button type="button" className="button button--secondary" disabled={sending} onClick={onClose}>
            {t('admin.common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
