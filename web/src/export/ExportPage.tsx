import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import type { Membership } from '../api/types.ts';
import { useInstitution } from '../clinical/InstitutionContext.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { downloadExport, saveFile } from './api.ts';
import type { ExportDataset, ExportFormat, ExportRequest, PatientFilter } from './api.ts';
import { describeExportError } from './labels.ts';
import { ReauthenticateDialog } from '../stepup/ReauthenticateDialog.tsx';
import { mayAskToExport, mayExportEncounters } from './roles.ts';
import './export.css';

type Progress =
  | { kind: 'idle' }
  | { kind: 'confirming' }
  | { kind: 'downloading'; receivedBytes: number }
  | { kind: 'done'; filename: string; bytes: number }
  | { kind: 'failed'; message: string };

const FORMATS: readonly ExportFormat[] = ['csv', 'ndjson'];

function fileSize(bytes: number, language: string): string {
  const unit = bytes >= 1_048_576 ? 'megabyte' : bytes >= 1024 ? 'kilobyte' : 'byte';
  const value = unit === 'megabyte' ? bytes / 1_048_576 : unit === 'kilobyte' ? bytes / 1024 : bytes;
  return new Intl.NumberFormat(language, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

function Export({ institution }: { institution: Membership }): ReactNode {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const id = useId();
  const language = i18n.resolvedLanguage ?? i18n.language;
  const encountersAllowed = mayExportEncounters(institution.roles);
  const [chosenDataset, setDataset] = useState<ExportDataset>('patients');
  // A member of several institutions may switch to one where their role exports patients only.
  const dataset = encountersAllowed ? chosenDataset : 'patients';
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [filter, setFilter] = useState<PatientFilter>({ name: '', birthDateFrom: '', birthDateTo: '' });
  const [progress, setProgress] = useState<Progress>({ kind: 'idle' });

  const request: ExportRequest = { institutionId: institution.institutionId, dataset, format, filter };
  const busy = progress.kind === 'confirming' || progress.kind === 'downloading';

  function start(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    setProgress({ kind: 'confirming' });
  }

  async function download(): Promise<void> {
    setProgress({ kind: 'downloading', receivedBytes: 0 });
    try {
      const file = await downloadExport(api, request, (receivedBytes) => {
        setProgress({ kind: 'downloading', receivedBytes });
      });
      const fallback = `${dataset}.${format}`;
      saveFile(file, fallback);
      setProgress({ kind: 'done', filename: file.filename ?? fallback, bytes: file.blob.size });
    } catch (error) {
      setProgress({ kind: 'failed', message: describeExportError(error, t) });
    }
  }

  function setFilterValue(key: keyof PatientFilter, value: string): void {
    setFilter((current) => ({ ...current, [key]: value }));
  }

  return (
    <div className="page export">
      <PageHeading title={t('export.title')} />
      <p className="muted">{institution.institutionName}</p>
      <section className="card card--wide" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>{t('export.formTitle')}</h2>
        <p className="card__intro">{t('export.intro')}</p>
        <form className="form" aria-labelledby={`${id}-title`} onSubmit={start}>
          <fieldset className="choice-group">
            <legend>{t('export.dataset')}</legend>
            <label className="choice">
              <input
                type="radio"
                name={`${id}-dataset`}
                checked={dataset === 'patients'}
                onChange={() => {
                  setDataset('patients');
                }}
              />
              {t('export.datasets.patients')}
            </label>
            {encountersAllowed && (
              <label className="choice">
                <input
                  type="radio"
                  name={`${id}-dataset`}
                  checked={dataset === 'encounters'}
                  onChange={() => {
                    setDataset('encounters');
                  }}
                />
                {t('export.datasets.encounters')}
              </label>
            )}
          </fieldset>
          {dataset === 'encounters' && <p className="field__hint">{t('export.encountersScope')}</p>}

          <fieldset className="choice-group">
            <legend>{t('export.format')}</legend>
            {FORMATS.map((value) => (
              <label key={value} className="choice">
                <input
                  type="radio"
                  name={`${id}-format`}
                  checked={format === value}
                  onChange={() => {
                    setFormat(value);
                  }}
                />
                {t(`export.formats.${value}`)}
              </label>
            ))}
          </fieldset>

          {dataset === 'patients' && (
            <fieldset className="choice-group">
              <legend>{t('export.filter')}</legend>
              <div className="export-filter">
                <div className="field">
                  <label htmlFor={`${id}-name`}>{t('export.filterName')}</label>
                  <input
                    id={`${id}-name`}
                    type="text"
                    maxLength={200}
                    value={filter.name}
                    onChange={(event) => {
                      setFilterValue('name', event.target.value);
                    }}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-from`}>{t('export.bornFrom')}</label>
                  <input
                    id={`${id}-from`}
                    type="date"
                    value={filter.birthDateFrom}
                    onChange={(event) => {
                      setFilterValue('birthDateFrom', event.target.value);
                    }}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-to`}>{t('export.bornTo')}</label>
                  <input
                    id={`${id}-to`}
                    type="date"
                    value={filter.birthDateTo}
                    onChange={(event) => {
                      setFilterValue('birthDateTo', event.target.value);
                    }}
                  />
                </div>
              </div>
            </fieldset>
          )}

          <p className="field__hint">{t('export.stepUpNote')}</p>
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={busy} aria-busy={busy}>
              {progress.kind === 'downloading' ? t('export.downloading') : t('export.submit')}
            </button>
          </div>
        </form>

        <div className="export__outcome">
          <p role="status">
            {progress.kind === 'downloading' &&
              t('export.progress', { size: fileSize(progress.receivedBytes, language) })}
            {progress.kind === 'done' &&
              t('export.done', { filename: progress.filename, size: fileSize(progress.bytes, language) })}
          </p>
          {progress.kind === 'failed' && (
            <p className="message message--error" role="alert">
              {progress.message}
            </p>
          )}
        </div>
      </section>

      {progress.kind === 'confirming' && (
        <ReauthenticateDialog
          intro={t('export.reauthIntro')}
          confirmLabel={t('export.reauthConfirm')}
          onConfirmed={() => void download()}
          onCancel={() => {
            setProgress({ kind: 'idle' });
          }}
        />
      )}
    </div>
  );
}

/** Export of patients or encounters, for members whose administrators granted them the export permission. */
export function ExportPage(): ReactNode {
  const { t } = useTranslation();
  const { current } = useInstitution();
  if (current && mayAskToExport(current.roles)) return <Export institution={current} />;
  return (
    <div className="page">
      <PageHeading title={t('export.title')} />
      <p className="message message--info" role="status">
        {current
          ? t('export.notForRole', { institution: current.institutionName })
          : t('export.noInstitution')}
      </p>
    </div>
  );
}
