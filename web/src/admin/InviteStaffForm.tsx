import { useEffect, useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminApi } from './api.ts';
import { describeAdminError } from './labels.ts';
import { LevelSelect } from './LevelSelect.tsx';
import { OneTimeLink } from './OneTimeLink.tsx';
import { RoleChoices } from './RoleChoices.tsx';
import type { InstitutionRole, SecurityLevel } from './types.ts';

/** Usernames as the server accepts them (after lowercasing): they appear in audit trails and must read plainly. */
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;

type Levels =
  { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'loaded'; items: SecurityLevel[] };

type Outcome =
  | { kind: 'editing' }
  | { kind: 'sending' }
  | { kind: 'failed'; message: string }
  | { kind: 'invited'; displayName: string; link: string };

/**
 * Adds a person to the staff. No password is typed here: the answer is a one-time link with which
 * the person chooses their own.
 */
export function InviteStaffForm({
  api,
  onInvited,
  onClose,
}: {
  api: AdminApi;
  onInvited: () => void;
  onClose: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [levels, setLevels] = useState<Levels>({ kind: 'loading' });
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [roles, setRoles] = useState<InstitutionRole[]>(['doctor']);
  const [level, setLevel] = useState('');
  const [checked, setChecked] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'editing' });

  useEffect(() => {
    let current = true;
    api.listSecurityLevels().then(
      (items) => {
        if (!current) return;
        setLevels({ kind: 'loaded', items });
        const standard = items.find((l) => l.name === 'Standard') ?? items[0];
        setLevel((chosen) => (chosen !== '' ? chosen : (standard?.name ?? '')));
      },
      (error: unknown) => {
        if (current) setLevels({ kind: 'failed', message: describeAdminError(error, t) });
      },
    );
    return () => {
      current = false;
    };
  }, [api, t]);

  const usernameProblem = !USERNAME.test(username.trim().toLowerCase());
  const displayNameProblem = displayName.trim() === '';
  const rolesProblem = roles.length === 0;

  async function invite(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setChecked(true);
    if (usernameProblem || displayNameProblem || rolesProblem || level === '') return;
    setOutcome({ kind: 'sending' });
    try {
      const created = await api.inviteStaffMember({
        username: username.trim().toLowerCase(),
        displayName: displayName.trim(),
        email: email.trim(),
        roles,
        level,
      });
      setOutcome({ kind: 'invited', displayName: created.user.displayName, link: created.setPasswordLink });
      onInvited();
    } catch (error) {
      setOutcome({ kind: 'failed', message: describeAdminError(error, t) });
    }
  }

  function again(): void {
    setUsername('');
    setDisplayName('');
    setEmail('');
    setChecked(false);
    setOutcome({ kind: 'editing' });
  }

  const headingId = `${id}-title`;
  if (outcome.kind === 'invited') {
    return (
      <section className="card card--wide" aria-labelledby={headingId}>
        <h2 id={headingId}>{t('admin.invite.title')}</h2>
        <OneTimeLink
          title={t('admin.invite.done', { person: outcome.displayName })}
          link={outcome.link}
          person={outcome.displayName}
        />
        <div className="form__actions admin-actions-top">
          <button type="button" className="button button--secondary" onClick={again}>
            {t('admin.invite.another')}
          </button>
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
      <h2 id={headingId}>{t('admin.invite.title')}</h2>
      <p className="card__intro">{t('admin.invite.intro')}</p>
      {levels.kind === 'failed' && (
        <p className="message message--error" role="alert">
          {levels.message}
        </p>
      )}
      <form className="form" aria-labelledby={headingId} noValidate onSubmit={(event) => void invite(event)}>
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
            <label htmlFor={`${id}-name`}>{t('admin.fields.displayName')}</label>
            <input
              id={`${id}-name`}
              type="text"
              autoComplete="off"
              maxLength={200}
              value={displayName}
              aria-invalid={checked && displayNameProblem}
              onChange={(event) => {
                setDisplayName(event.target.value);
              }}
            />
            {checked && displayNameProblem && (
              <p className="field__problem">{t('admin.fields.displayNameRequired')}</p>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${id}-email`}>{t('admin.fields.emailOptional')}</label>
            <input
              id={`${id}-email`}
              type="email"
              autoComplete="off"
              maxLength={254}
              value={email}
              onChange={(event) => {
                setEmail(event.target.value);
              }}
            />
          </div>
          {levels.kind === 'loaded' && (
            <LevelSelect id={`${id}-level`} levels={levels.items} value={level} onChange={setLevel} />
          )}
        </div>
        <RoleChoices idPrefix={id} value={roles} onChange={setRoles} invalid={checked && rolesProblem} />
        <p className="field__hint">{t('admin.invite.noPassword')}</p>
        {outcome.kind === 'failed' && (
          <p className="message message--error" role="alert">
            {outcome.message}
          </p>
        )}
        <div className="form__actions">
          <button
            type="submit"
            className="button button--primary"
            disabled={sending || levels.kind !== 'loaded'}
            aria-busy={sending}
          >
            {sending ? t('admin.invite.sending') : t('admin.invite.submit')}
          </button>
          <button type="button" className="button button--secondary" disabled={sending} onClick={onClose}>
            {t('admin.common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
