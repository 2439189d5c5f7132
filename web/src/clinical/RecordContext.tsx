import { createContext, useCallback, useContext, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import type { ClinicalApi } from './api.ts';
import type { Capabilities } from './capabilities.ts';
import { describeClinicalError } from './labels.ts';

/** What every form of an open clinical record needs: the calls, who is writing, and what to do next. */
export interface OpenRecord {
  api: ClinicalApi;
  patientId: string;
  /** The signed-in user, author of the notes they may still edit. */
  userId: string;
  can: Capabilities;
  /** Fetches the record again after a change. */
  reload: () => Promise<void>;
  /** The record closed under the user (the justification ran out): ask for a reason again. */
  justificationEnded: () => void;
}

const RecordContext = createContext<OpenRecord | null>(null);

export function RecordProvider({ value, children }: { value: OpenRecord; children: ReactNode }): ReactNode {
  return <RecordContext value={value}>{children}</RecordContext>;
}

export function useOpenRecord(): OpenRecord {
  const value = useContext(RecordContext);
  if (!value) throw new Error('useOpenRecord() needs a <RecordProvider> above it');
  return value;
}

export interface Submission {
  busy: boolean;
  problem: string | null;
  /** Runs a change and reloads the record; true when it worked. */
  run: (change: () => Promise<unknown>) => Promise<boolean>;
}

/** The busy flag and failure message of one form that changes the record. */
export function useRecordChange(): Submission {
  const { t } = useTranslation();
  const record = useOpenRecord();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const { reload, justificationEnded } = record;

  const run = useCallback(
    async (change: () => Promise<unknown>): Promise<boolean> => {
      setBusy(true);
      setProblem(null);
      try {
        await change();
      } catch (error) {
        setBusy(false);
        setProblem(describeClinicalError(error, t));
        if (error instanceof ApiError && error.code === 'justification_required') justificationEnded();
        return false;
      }
      setBusy(false);
      await reload();
      return true;
    },
    [t, reload, justificationEnded],
  );
  return { busy, problem, run };
}
