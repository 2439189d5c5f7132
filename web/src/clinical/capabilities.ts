// What the app offers a member, from their roles. The server decides every request (its role matrix is
// the authority); this only keeps the app from showing buttons that would be refused, and from asking
// for data the role may not see.

export interface Capabilities {
  searchPatients: boolean;
  createPatient: boolean;
  updatePatient: boolean;
  /** May open clinical records (given a care relationship or a justification). */
  readClinical: boolean;
  createEncounter: boolean;
  /** Nurses only where the institution lets them; the server answers 403 otherwise. */
  writeNotes: boolean;
  writeDiagnoses: boolean;
  writeAllergies: boolean;
  readAudit: boolean;
  reviewAccess: boolean;
}

export function capabilitiesOf(roles: readonly string[]): Capabilities {
  const has = (...wanted: string[]): boolean => roles.some((role) => wanted.includes(role));
  return {
    searchPatients: has('doctor', 'nurse', 'administrative'),
    createPatient: has('doctor', 'administrative'),
    updatePatient: has('doctor', 'administrative'),
    readClinical: has('doctor', 'nurse'),
    createEncounter: has('doctor', 'nurse'),
    writeNotes: has('doctor', 'nurse'),
    writeDiagnoses: has('doctor'),
    writeAllergies: has('doctor', 'nurse'),
    readAudit: has('auditor', 'institution_admin'),
    reviewAccess: has('auditor', 'institution_admin'),
  };
}
