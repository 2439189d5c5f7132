// The patient pages, fetched as one chunk the first time either is shown.
export { PatientPage } from './PatientPage.tsx';
export { PatientsPage } from './PatientsPage.tsx';
