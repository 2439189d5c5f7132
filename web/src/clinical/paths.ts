// Kept apart from the pages so that the app can tell which page a path shows before fetching its code.

const PATIENT_PATH = /^\/patients\/([0-9a-f-]{36})$/i;

/** The patient id in a `/patients/:pid` path. */
export function patientIdIn(path: string): string | undefined {
  return PATIENT_PATH.exec(path)?.[1];
}
