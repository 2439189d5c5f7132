import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { useFormat } from '../format/useFormat.ts';
import { useMe } from '../session/SessionContext.tsx';
import { AllergiesCard } from './AllergiesCard.tsx';
import type { ClinicalApi } from './api.ts';
import { EncounterCard } from './EncounterCard.tsx';
import { useInstitution } from './InstitutionContext.tsx';
import { JustifiedAccessDialog } from './JustifiedAccessDialog.tsx';
import { describeClinicalError } from './labels.ts';
import { NewEncounterForm } from './NewEncounterForm.tsx';
import { RecordProvider } from './RecordContext.tsx';
import type { OpenRecord } from './RecordContext.tsx';
import type { ClinicalAccess, ClinicalRecord, Note } from './types.ts';

type RecordState =
  | { kind: 'closed' }
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'loaded'; record: ClinicalRecord };

function Encounters({ record }: { record: ClinicalRecord }): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const { can } = useInstitution();
  const [adding, setAdding] = useState(false);
  // Amendments may sit under another encounter than the note they correct: index the whole record.
  const { notesById, amendmentsOf } = useMemo(() => {
    const byId = new Map<string, Note>();
    const amendments = new Map<string, Note[]>();
    for (const note of record.encounters.flatMap((e) => e.notes)) {
      byId.set(note.id, note);
      if (note.amendsNoteId !== null) {
        amendments.set(note.amendsNoteId, [...(amendments.get(note.amendsNoteId) ?? []), note]);
      }
    }
    return { notesById: byId, amendmentsOf: amendments };
  }, [record]);

  return (
    <section className="record-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('clinical.record.encounters')}</h2>
      {can.createEncounter &&
        (adding ? (
          <NewEncounterForm
            onDone={() => {
              setAdding(false);
            }}
          />
        ) : (
          <p>
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() => {
                setAdding(true);
              }}
            >
              {t('clinical.record.newEncounter')}
            </button>
          </p>
        ))}
      {record.encounters.length === 0 ? (
        <p className="muted">{t('clinical.record.noEncounters')}</p>
      ) : (
        <div className="encounters">
          {record.encounters.map((encounter) => (
            <EncounterCard
              key={encounter.id}
              encounter={encounter}
              notesById={notesById}
              amendmentsOf={amendmentsOf}
            />
          ))}
        </div>
      )}
    </section>
  );
}

/**
 * The clinical record of a patient, for clinicians. Without a care relationship nothing clinical is
 * requested until the clinician states a reason in the justified-access dialog.
 */
export function ClinicalSection({
  api,
  patientId,
  initialAccess,
}: {
  api: ClinicalApi;
  patientId: string;
  initialAccess: ClinicalAccess;
}): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  const me = useMe();
  const { can } = useInstitution();
  const id = useId();
  const [access, setAccess] = useState<ClinicalAccess>(initialAccess);
  const [state, setState] = useState<RecordState>({ kind: initialAccess.allowed ? 'loading' : 'closed' });
  const [asking, setAsking] = useState(!initialAccess.allowed);
  const justifyButton = useRef<HTMLButtonElement>(null);

  const justificationEnded = useCallback(() => {
    setAccess({ allowed: false, basis: null, justifiedUntil: null });
    setState({ kind: 'closed' });
    setAsking(true);
  }, []);

  const load = useCallback(async (): Promise<void> => {
    try {
      const record = await api.getRecord(patientId);
      setState({ kind: 'loaded', record });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'justification_required') justificationEnded();
      else setState({ kind: 'failed', message: describeClinicalError(error, t) });
    }
  }, [api, patientId, justificationEnded, t]);

  useEffect(() => {
    if (initialAccess.allowed) void load();
    // Only the access read with the patient decides the first load; later changes load explicitly.
  }, []);

  const open: OpenRecord = useMemo(
    () => ({ api, patientId, userId: me.user.id, can, reload: load, justificationEnded }),
    [api, patientId, me.user.id, can, load, justificationEnded],
  );

  return (
    <section className="card card--wide clinical" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="clinical__title">
        {t('clinical.record.title')}
      </h2>

      {access.allowed && access.basis === 'justification' && access.justifiedUntil !== null && (
        <p className="message message--warning justified-banner" role="status">
          <Trans
            i18nKey="clinical.record.justifiedUntil"
            values={{ time: format.dateTime(access.justifiedUntil) }}
            components={{ time: <time dateTime={access.justifiedUntil} /> }}
          />
        </p>
      )}

      {!access.allowed && (
        <div className="clinical__closed">
          <p>{t('clinical.record.noRelationship')}</p>
          <p>
            <button
              ref={justifyButton}
              type="button"
              className="button button--primary"
              onClick={() => {
                setAsking(true);
              }}
            >
              {t('clinical.record.justify')}
            </button>
          </p>
        </div>
      )}

      {state.kind === 'loading' && <p role="status">{t('clinical.record.loading')}</p>}
      {state.kind === 'failed' && (
        <p className="message message--error" role="alert">
          {state.message}
        </p>
      )}
      {state.kind === 'loaded' && (
        <RecordProvider value={open}>
          <AllergiesCard allergies={state.record.allergies} />
          <Encounters record={state.record} />
        </RecordProvider>
      )}

      {asking && (
        <JustifiedAccessDialog
          api={api}
          patientId={patientId}
          onJustified={(expiresAt) => {
            setAsking(false);
            setAccess({ allowed: true, basis: 'justification', justifiedUntil: expiresAt });
            setState({ kind: 'loading' });
            void load();
          }}
          onDismiss={() => {
            setAsking(false);
            // Back to where the dialog came from (it may have opened on its own with the page).
            requestAnimationFrame(() => justifyButton.current?.focus());
          }}
        />
      )}
    </section>
  );
}
