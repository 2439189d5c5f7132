// Which roles the server lets export at all (its role matrix decides; this only keeps the app from
// offering what would always be refused). The per-person export permission is on top of these.

export function mayAskToExport(roles: readonly string[]): boolean {
  return roles.some((role) => role === 'doctor' || role === 'nurse' || role === 'administrative');
}

/** Encounters are clinical data: only roles that read the clinical record export them. */
export function mayExportEncounters(roles: readonly string[]): boolean {
  return roles.some((role) => role === 'doctor' || role === 'nurse');
}
