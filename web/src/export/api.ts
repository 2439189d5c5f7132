// The export feature's calls: re-authentication (the step-up exports need) and the export files.
import type { ApiClient, DownloadedFile } from '../api/client.ts';

export type ExportDataset = 'patients' | 'encounters';
export type ExportFormat = 'csv' | 'ndjson';

/** Narrows a patient export; empty values are left out. */
export interface PatientFilter {
  /** The start of the family name, as the patient search reads it. */
  name: string;
  /** ISO dates. */
  birthDateFrom: string;
  birthDateTo: string;
}

export interface ExportRequest {
  institutionId: string;
  dataset: ExportDataset;
  format: ExportFormat;
  filter: PatientFilter;
}

/** The export's address, which answers the file itself (GET with the session cookie). */
export function exportPath({ institutionId, dataset, format, filter }: ExportRequest): string {
  const params = new URLSearchParams({ format });
  if (dataset === 'patients') {
    if (filter.name.trim() !== '') params.set('q', filter.name.trim());
    if (filter.birthDateFrom !== '') params.set('birthDateFrom', filter.birthDateFrom);
    if (filter.birthDateTo !== '') params.set('birthDateTo', filter.birthDateTo);
  }
  return `/api/institutions/${encodeURIComponent(institutionId)}/exports/${dataset}?${params.toString()}`;
}

export function downloadExport(
  api: ApiClient,
  request: ExportRequest,
  onProgress: (receivedBytes: number) => void,
): Promise<DownloadedFile> {
  return api.download(exportPath(request), { onProgress });
}

/** Hands a downloaded file to the browser to save, under the server's name for it. */
export function saveFile(file: DownloadedFile, fallbackName: string): void {
  const url = URL.createObjectURL(file.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename ?? fallbackName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser reads the file when the click is handled; the address can go once that has happened.
  window.setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 60_000);
}
