import type { ReactNode } from 'react';
import { PatientPage } from './PatientPage.tsx';
import { PatientsPage } from './PatientsPage.tsx';

const PAGES = { patients: PatientsPage, patient: PatientPage };

export type ClinicalPage = keyof typeof PAGES;

/**
 * The patient pages: one chunk, fetched the first time one of them is shown. Being one component, it
 * shows the other at once after that.
 */
export function ClinicalPages({ page }: { page: ClinicalPage }): ReactNode {
  const Page = PAGES[page];
  return <Page />;
}
