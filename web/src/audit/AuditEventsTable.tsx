import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../format/useFormat.ts';
import type { AuditEvent } from './api.ts';
import { actionLabel, outcomeLabel, reasonLabel } from './labels.ts';

/**
 * Audit events, newest first: who did what to which patient, when, from where and why. Events of a
 * member's account rather than of the institution (sign-ins) are marked as such.
 */
export function AuditEventsTable({
  events,
  onFilterPatient,
}: {
  events: readonly AuditEvent[];
  /** Narrows the view to one patient's events. */
  onFilterPatient: (patientId: string) => void;
}): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  const none = t('audit.none');
  return (
    <table className="responsive-table audit-events">
      <thead>
        <tr>
          <th scope="col">{t('audit.time')}</th>
          <th scope="col">{t('audit.user')}</th>
          <th scope="col">{t('audit.action')}</th>
          <th scope="col">{t('audit.outcome')}</th>
          <th scope="col">{t('audit.patient')}</th>
          <th scope="col">{t('audit.ip')}</th>
          <th scope="col">{t('audit.device')}</th>
          <th scope="col">{t('audit.reason')}</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.id} data-action={event.action}>
            <td data-label={t('audit.time')}>
              <time dateTime={event.occurredAt}>{format.dateTime(event.occurredAt)}</time>
            </td>
            <td data-label={t('audit.user')}>
              <span title={event.actorId ?? undefined}>{event.actorUsername ?? none}</span>
            </td>
            <td data-label={t('audit.action')}>
              <span title={event.action}>{actionLabel(event.action, t)}</span>
              {event.institutionId === null && (
                <span className="badge badge--account" title={t('audit.accountEventHint')}>
                  {t('audit.accountEvent')}
                </span>
              )}
            </td>
            <td data-label={t('audit.outcome')}>
              <span
                className={`badge ${event.outcome === 'success' ? 'badge--success' : 'badge--failure'}`}
                data-outcome={event.outcome}
              >
                {outcomeLabel(event.outcome, t)}
              </span>
            </td>
            <td data-label={t('audit.patient')}>
              {event.patientId === null ? (
                none
              ) : (
                <button
                  type="button"
                  className="link-button identifier-button"
                  title={t('audit.filterPatient')}
                  onClick={() => {
                    onFilterPatient(event.patientId ?? '');
                  }}
                >
                  {event.patientId}
                </button>
              )}
            </td>
            <td data-label={t('audit.ip')} className="ip">
              {event.ip ?? none}
            </td>
            <td data-label={t('audit.device')}>
              {event.userAgent === null ? (
                none
              ) : (
                <span title={event.userAgent}>{format.device(event.userAgent)}</span>
              )}
            </td>
            <td data-label={t('audit.reason')}>{reasonLabel(event, t) ?? none}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
