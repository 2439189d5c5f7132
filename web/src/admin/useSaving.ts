import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeAdminError } from './labels.ts';
import type { SaveOutcome } from './types.ts';

export type SavingState =
  { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; message: string };

export interface Saving {
  state: SavingState;
  /** Runs one save and records how it went; a conflict is told by the page, which reloads. */
  run: (save: () => Promise<SaveOutcome>) => Promise<void>;
  /** Forgets "saved" or an error once the administrator edits again. */
  edited: () => void;
}

/** The progress and outcome of one form's save. */
export function useSaving(): Saving {
  const { t } = useTranslation();
  const [state, setState] = useState<SavingState>({ kind: 'idle' });
  const run = useCallback(
    async (save: () => Promise<SaveOutcome>): Promise<void> => {
      setState({ kind: 'saving' });
      try {
        const outcome = await save();
        setState(outcome === 'saved' ? { kind: 'saved' } : { kind: 'idle' });
      } catch (error) {
        setState({ kind: 'failed', message: describeAdminError(error, t) });
      }
    },
    [t],
  );
  const edited = useCallback(() => {
    setState((state) => (state.kind === 'saved' || state.kind === 'failed' ? { kind: 'idle' } : state));
  }, []);
  return { state, run, edited };
}
