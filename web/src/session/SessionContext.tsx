// Who is signed in, decided by the server: GET /api/me answers with the user, or 401 when there is no
// session. Every page reads it from here, and any request that finds the session gone updates it.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useApi } from '../api/ApiContext.tsx';
import { ApiError } from '../api/client.ts';
import type { Me, SignInNotice } from '../api/types.ts';

/** Why the sign-in page is showing: the user signed out, or the session ended (by itself, or with access hours). */
export type SessionNotice = 'signedOut' | 'signOutUnconfirmed' | 'sessionEnded' | 'outsideAccessHours';

export type SessionStatus =
  | { kind: 'loading' }
  /** The server could not be asked; the app offers to try again. */
  | { kind: 'unavailable' }
  | { kind: 'signedOut' }
  | { kind: 'signedIn'; me: Me };

export interface Session {
  status: SessionStatus;
  notice: SessionNotice | null;
  /** What the sign-in that started this session said to tell the user once (see `clearSignInNotices`). */
  signInNotices: readonly SignInNotice[];
  /** Called once a sign-in has started a session: keeps its notices and asks who is signed in. */
  signedIn: (notices: readonly SignInNotice[]) => Promise<void>;
  /** Forgets the sign-in's notices once the user has been shown them. */
  clearSignInNotices: () => void;
  /** Asks the server again who is signed in (after sign-in, a password change, a retry). */
  refresh: () => Promise<void>;
  /** Ends this session on the server and forgets it here, whatever the server answers. */
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }): ReactNode {
  const api = useApi();
  const [status, setStatus] = useState<SessionStatus>({ kind: 'loading' });
  const [notice, setNotice] = useState<SessionNotice | null>(null);
  const [signInNotices, setSignInNotices] = useState<readonly SignInNotice[]>([]);
  // Answers can arrive out of order (a refresh racing a sign-out); only the latest request counts.
  const generation = useRef(0);
  // Set when a request was refused for access hours: if the session turns out to be gone, that is why.
  const hoursEnded = useRef(false);

  const signedIn = useRef(false);
  useEffect(() => {
    signedIn.current = status.kind === 'signedIn';
  }, [status]);

  const refresh = useCallback(async (): Promise<void> => {
    const mine = ++generation.current;
    try {
      const me = await api.getMe();
      if (mine !== generation.current) return;
      hoursEnded.current = false;
      setStatus({ kind: 'signedIn', me });
      setNotice(null);
    } catch (error) {
      if (mine !== generation.current) return;
      const code = error instanceof ApiError ? error.code : undefined;
      if (code === 'unauthenticated' || code === 'outside_access_hours') {
        setStatus({ kind: 'signedOut' });
        if (hoursEnded.current || code === 'outside_access_hours') setNotice('outsideAccessHours');
      } else setStatus({ kind: 'unavailable' });
    }
  }, [api]);

  const signOut = useCallback(async (): Promise<void> => {
    const mine = ++generation.current;
    let confirmed = true;
    try {
      await api.logout();
    } catch (error) {
      // A session that had already ended is signed out all the same; an unreachable server is not, and
      // the user is told so rather than reassured.
      confirmed = error instanceof ApiError && error.code === 'unauthenticated';
    }
    if (mine !== generation.current) return;
    // This page stops showing the account either way.
    setStatus({ kind: 'signedOut' });
    setSignInNotices([]);
    setNotice(confirmed ? 'signedOut' : 'signOutUnconfirmed');
  }, [api]);

  const signedInWith = useCallback(
    async (notices: readonly SignInNotice[]): Promise<void> => {
      setSignInNotices(notices);
      await refresh();
    },
    [refresh],
  );

  const clearSignInNotices = useCallback((): void => {
    setSignInNotices((current) => (current.length === 0 ? current : []));
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(
    () =>
      api.onSessionProblem((problem) => {
        if (problem === 'unauthenticated') {
          // Only a session that was there can have ended; on the first load 401 just means signed out.
          if (!signedIn.current) return;
          generation.current++;
          setStatus({ kind: 'signedOut' });
          setNotice(hoursEnded.current ? 'outsideAccessHours' : 'sessionEnded');
        } else {
          // The session is restricted now (e.g. the password expired): /api/me says to what. Access
          // hours that ended have closed the session, while one institution's hours only refuse its own
          // requests: /api/me answers which.
          if (problem === 'outside_access_hours') hoursEnded.current = true;
          void refresh();
        }
      }),
    [api, refresh],
  );

  const session = useMemo<Session>(
    () => ({
      status,
      notice,
      signInNotices,
      signedIn: signedInWith,
      clearSignInNotices,
      refresh,
      signOut,
    }),
    [status, notice, signInNotices, signedInWith, clearSignInNotices, refresh, signOut],
  );
  return <SessionContext value={session}>{children}</SessionContext>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() needs a <SessionProvider> above it');
  return session;
}

/** The signed-in user; for pages that are only shown to one. */
export function useMe(): Me {
  const { status } = useSession();
  if (status.kind !== 'signedIn') throw new Error('useMe() used on a page shown to a signed-out visitor');
  return status.me;
}
