import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { describeError } from '../api/describe-error.ts';
import type { Membership } from '../api/types.ts';
import { InstitutionGate } from '../clinical/InstitutionGate.tsx';
import { useInstitution } from '../clinical/InstitutionContext.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { createAuditApi } from './api.ts';
import type { AuditApi, AuditEvent, AuditFilter } from './api.ts';
import { AuditEventsTable } from './AuditEventsTable.tsx';
import { AuditFilters, NO_FILTER } from './AuditFilters.tsx';
import type { FilterValues } from './AuditFilters.tsx';
import { JustificationReview } from './JustificationReview.tsx';

type Events =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | {
      kind: 'loaded';
      filter: AuditFilter;
      items: AuditEvent[];
      nextBefore: string | null;
      loadingOlder: boolean;
    };

function EventsPanel({ api }: { api: AuditApi }): ReactNode {
  const { t } = useTranslation();
  const [values, setValues] = useState<FilterValues>(NO_FILTER);
  const [events, setEvents] = useState<Events>({ kind: 'loading' });
  const [olderError, setOlderError] = useState<string | null>(null);
  const [actorsSeen, setActorsSeen] = useState<ReadonlyMap<string, string>>(new Map());
  // Only the answer to the latest filter counts, however the requests overtake each other.
  const generation = useRef(0);

  const remember = useCallback((items: readonly AuditEvent[]) => {
    setActorsSeen((seen) => {
      const next = new Map(seen);
      for (const item of items) {
        if (item.actorId !== null && item.actorUsername !== null) next.set(item.actorId, item.actorUsername);
      }
      return next.size === seen.size ? seen : next;
    });
  }, []);

  const apply = useCallback(
    async (filter: AuditFilter): Promise<void> => {
      const mine = ++generation.current;
      setEvents({ kind: 'loading' });
      setOlderError(null);
      try {
        const page = await api.listEvents(filter);
        if (mine !== generation.current) return;
        remember(page.items);
        setEvents({
          kind: 'loaded',
          filter,
          items: page.items,
          nextBefore: page.nextBefore,
          loadingOlder: false,
        });
      } catch (error) {
        if (mine === generation.current) setEvents({ kind: 'failed', message: describeError(error, t) });
      }
    },
    [api, remember, t],
  );

  useEffect(() => {
    void apply({});
  }, [apply]);

  async function older(): Promise<void> {
    if (events.kind !== 'loaded' || events.nextBefore === null) return;
    const mine = generation.current;
    const { filter, items, nextBefore } = events;
    setEvents({ ...events, loadingOlder: true });
    setOlderError(null);
    try {
      const page = await api.listEvents(filter, nextBefore);
      if (mine !== generation.current) return;
      remember(page.items);
      setEvents({
        kind: 'loaded',
        filter,
        items: [...items, ...page.items],
        nextBefore: page.nextBefore,
        loadingOlder: false,
      });
    } catch (error) {
      if (mine !== generation.current) return;
      setEvents({ ...events, loadingOlder: false });
      setOlderError(describeError(error, t));
    }
  }

  return (
    <>
      <AuditFilters
        values={values}
        actorsSeen={actorsSeen}
        busy={events.kind === 'loading'}
        onChange={setValues}
        onApply={(filter) => void apply(filter)}
      />
      <div className="audit-results" aria-live="polite" aria-busy={events.kind === 'loading'}>
        {events.kind === 'loading' && <p role="status">{t('audit.loading')}</p>}
        {events.kind === 'failed' && (
          <p className="message message--error" role="alert">
            {events.message}
          </p>
        )}
        {events.kind === 'loaded' && events.items.length === 0 && <p>{t('audit.empty')}</p>}
      </div>
      {events.kind === 'loaded' && events.items.length > 0 && (
        <>
          <AuditEventsTable
            events={events.items}
            onFilterPatient={(patient) => {
              const next = { ...values, patient };
              setValues(next);
              void apply({ ...events.filter, patient });
            }}
          />
          {olderError !== null && (
            <p className="message message--error" role="alert">
              {olderError}
            </p>
          )}
          {events.nextBefore !== null && (
            <p className="list-more">
              <button
                type="button"
                className="button button--secondary"
                disabled={events.loadingOlder}
                aria-busy={events.loadingOlder}
                onClick={() => void older()}
              >
                {events.loadingOlder ? t('audit.loading') : t('audit.older')}
              </button>
            </p>
          )}
        </>
      )}
    </>
  );
}

type Tab = 'events' | 'review';
const TABS: readonly Tab[] = ['events', 'review'];

function Audit({ institution }: { institution: Membership }): ReactNode {
  const { t } = useTranslation();
  const client = useApi();
  const { can } = useInstitution();
  const id = useId();
  const api = useMemo(
    () => createAuditApi(client, institution.institutionId),
    [client, institution.institutionId],
  );
  const [tab, setTab] = useState<Tab>('events');
  const tabs = can.reviewAccess ? TABS : TABS.filter((tab) => tab !== 'review');
  const buttons = useRef(new Map<Tab, HTMLButtonElement>());

  // Arrow keys move between tabs, as in every tab list.
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length] ?? 'events';
    setTab(next);
    buttons.current.get(next)?.focus();
  }

  return (
    <div className="page page--wide">
      <PageHeading title={t('audit.title')} />
      <p className="muted">{institution.institutionName}</p>
      <section className="card card--wide">
        <div role="tablist" aria-label={t('audit.title')} className="tabs" onKeyDown={onKeyDown}>
          {tabs.map((value) => (
            <button
              key={value}
              ref={(element) => {
                if (element) buttons.current.set(value, element);
                else buttons.current.delete(value);
              }}
              type="button"
              role="tab"
              id={`${id}-${value}-tab`}
              aria-selected={tab === value}
              aria-controls={`${id}-${value}-panel`}
              tabIndex={tab === value ? 0 : -1}
              className="tabs__tab"
              onClick={() => {
                setTab(value);
              }}
            >
              {t(`audit.tabs.${value}`)}
            </button>
          ))}
        </div>
        {/* The events keep their filters while the review list is open; the list is read afresh each time. */}
        <div
          role="tabpanel"
          id={`${id}-events-panel`}
          aria-labelledby={`${id}-events-tab`}
          className="tabs__panel"
          hidden={tab !== 'events'}
        >
          <EventsPanel api={api} />
        </div>
        {tab === 'review' && (
          <div
            role="tabpanel"
            id={`${id}-review-panel`}
            aria-labelledby={`${id}-review-tab`}
            className="tabs__panel"
          >
            <JustificationReview api={api} />
          </div>
        )}
      </section>
    </div>
  );
}

export function AuditPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <InstitutionGate title={t('audit.title')} need="readAudit">
      {(institution) => <Audit key={institution.institutionId} institution={institution} />}
    </InstitutionGate>
  );
}
