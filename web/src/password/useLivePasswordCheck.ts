import { useEffect, useState } from 'react';
import { useApi } from '../api/ApiContext.tsx';
import type { PasswordReason } from '../api/types.ts';

export type LiveCheck =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'acceptable' }
  | { kind: 'rejected'; reasons: PasswordReason[] };

/** Pause in typing before a candidate is sent: one request per pause, not one per key. */
export const LIVE_CHECK_DELAY_MS = 400;

/**
 * Asks the server, as the user types, whether `candidate` would be accepted and why not. The server
 * judges (blocklist, context words, history), so the answer is the one the change itself would get.
 * Only the latest candidate's answer is kept; a failed check shows nothing rather than a guess.
 */
export function useLivePasswordCheck(candidate: string): LiveCheck {
  const api = useApi();
  const [check, setCheck] = useState<LiveCheck>({ kind: 'idle' });

  useEffect(() => {
    if (candidate === '') {
      setCheck({ kind: 'idle' });
      return;
    }
    setCheck({ kind: 'checking' });
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.checkPassword(candidate, controller.signal).then(
        (result) => {
          if (controller.signal.aborted) return;
          setCheck(
            result.acceptable ? { kind: 'acceptable' } : { kind: 'rejected', reasons: result.reasons },
          );
        },
        () => {
          if (!controller.signal.aborted) setCheck({ kind: 'idle' });
        },
      );
    }, LIVE_CHECK_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, candidate]);

  return check;
}
