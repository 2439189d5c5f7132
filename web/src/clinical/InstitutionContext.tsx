// The institution the user is working in. Patients, records and the audit trail all belong to one
// institution; a member of several picks one, and the choice is remembered on this browser.
import { createContext, useCallback, useContext, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { Membership } from '../api/types.ts';
import { useSession } from '../session/SessionContext.tsx';
import { capabilitiesOf } from './capabilities.ts';
import type { Capabilities } from './capabilities.ts';

export interface CurrentInstitution {
  /** Every institution the user is a member of. */
  memberships: readonly Membership[];
  /** The one being worked in; undefined for a user with no membership. */
  current: Membership | undefined;
  can: Capabilities;
  choose: (institutionId: string) => void;
}

const storageKey = 'ward.institution';

function readChoice(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    // Storage can be disabled by policy; the first institution is then the default.
    return null;
  }
}

function saveChoice(institutionId: string): void {
  try {
    localStorage.setItem(storageKey, institutionId);
  } catch {
    // Not remembering the choice is acceptable.
  }
}

const InstitutionContext = createContext<CurrentInstitution | null>(null);
const noMemberships: readonly Membership[] = [];

export function InstitutionProvider({ children }: { children: ReactNode }): ReactNode {
  const { status } = useSession();
  const memberships = status.kind === 'signedIn' ? status.me.memberships : noMemberships;
  const [chosen, setChosen] = useState<string | null>(readChoice);

  const choose = useCallback((institutionId: string) => {
    saveChoice(institutionId);
    setChosen(institutionId);
  }, []);

  const value = useMemo<CurrentInstitution>(() => {
    // A remembered institution the user has since left falls back to the first one they are in.
    const current = memberships.find((m) => m.institutionId === chosen) ?? memberships[0];
    return { memberships, current, can: capabilitiesOf(current?.roles ?? []), choose };
  }, [memberships, chosen, choose]);

  return <InstitutionContext value={value}>{children}</InstitutionContext>;
}

export function useInstitution(): CurrentInstitution {
  const value = useContext(InstitutionContext);
  if (!value) throw new Error('useInstitution() needs an <InstitutionProvider> above it');
  return value;
}
