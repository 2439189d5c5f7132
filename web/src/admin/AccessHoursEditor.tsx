import { useMemo } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { crossesMidnight, MAX_WINDOWS, newWindow, windowProblems } from './access-hours.ts';
import type { AccessHoursDraft } from './access-hours.ts';
import { WEEKDAYS } from './types.ts';
import type { AccessHoursMode, AccessWindow } from './types.ts';

const MODES: readonly AccessHoursMode[] = ['always', 'within', 'outside'];

/** Weekday names in the reader's language, Monday first; 1 January 2024 was a Monday. */
function useWeekdayNames(): { short: string; long: string }[] {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? i18n.language;
  return useMemo(() => {
    const short = new Intl.DateTimeFormat(language, { weekday: 'short', timeZone: 'UTC' });
    const long = new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' });
    return WEEKDAYS.map((day) => {
      const date = new Date(Date.UTC(2024, 0, day));
      return { short: short.format(date), long: long.format(date) };
    });
  }, [language]);
}

function WindowEditor({
  idPrefix,
  index,
  window,
  showProblems,
  removable,
  onChange,
  onRemove,
}: {
  idPrefix: string;
  index: number;
  window: AccessWindow;
  showProblems: boolean;
  removable: boolean;
  onChange: (window: AccessWindow) => void;
  onRemove: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const names = useWeekdayNames();
  const problems = showProblems ? windowProblems(window) : [];
  const id = `${idPrefix}-window-${index}`;
  return (
    <fieldset className="hours-window" aria-describedby={problems.length > 0 ? `${id}-problems` : undefined}>
      <legend>{t('admin.hours.window', { number: index + 1 })}</legend>
      <div className="hours-window__days" role="group" aria-label={t('admin.hours.days')}>
        {WEEKDAYS.map((day, position) => (
          <label key={day} className="choice hours-window__day">
            <input
              type="checkbox"
              aria-label={names[position]?.long}
              checked={window.days.includes(day)}
              onChange={(event) => {
                onChange({
                  ...window,
                  days: event.target.checked
                    ? [...window.days, day].sort((a, b) => a - b)
                    : window.days.filter((d) => d !== day),
                });
              }}
            />
            <span aria-hidden="true">{names[position]?.short}</span>
          </label>
        ))}
      </div>
      <div className="hours-window__times">
        <div className="field">
          <label htmlFor={`${id}-start`}>{t('admin.hours.start')}</label>
          <input
            id={`${id}-start`}
            type="time"
            required
            value={window.start}
            onChange={(event) => {
              onChange({ ...window, start: event.target.value });
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-end`}>{t('admin.hours.end')}</label>
          <input
            id={`${id}-end`}
            type="time"
            required
            value={window.end}
            onChange={(event) => {
              onChange({ ...window, end: event.target.value });
            }}
          />
        </div>
      </div>
      {windowProblems(window).length === 0 && crossesMidnight(window) && (
        <p className="field__hint">{t('admin.hours.nextDay', { end: window.end })}</p>
      )}
      {problems.length > 0 && (
        <ul id={`${id}-problems`} className="field__problem hours-window__problems">
          {problems.map((problem) => (
            <li key={problem}>{t(`admin.hours.problems.${problem}`)}</li>
          ))}
        </ul>
      )}
      {removable && (
        <button type="button" className="link-button" onClick={onRemove}>
          {t('admin.hours.remove', { number: index + 1 })}
        </button>
      )}
    </fieldset>
  );
}

/**
 * Access hours: always, or only within (or only outside) weekly windows in the institution's time zone.
 * A window whose end is at or before its start continues into the next day.
 */
export function AccessHoursEditor({
  idPrefix,
  draft,
  timeZone,
  showProblems,
  onChange,
}: {
  idPrefix: string;
  draft: AccessHoursDraft;
  timeZone: string | null;
  showProblems: boolean;
  onChange: (draft: AccessHoursDraft) => void;
}): ReactNode {
  const { t } = useTranslation();
  return (
    <div className="hours-editor">
      <fieldset className="choice-group">
        <legend>{t('admin.hours.mode')}</legend>
        {MODES.map((mode) => (
          <label key={mode} className="choice">
            <input
              type="radio"
              name={`${idPrefix}-mode`}
              value={mode}
              checked={draft.mode === mode}
              onChange={() => {
                onChange({ ...draft, mode });
              }}
            />
            {t(`admin.hours.modes.${mode}`)}
          </label>
        ))}
      </fieldset>

      {draft.mode !== 'always' && (
        <>
          <p className="field__hint">
            {timeZone === null ? t('admin.hours.timeZoneUnknown') : t('admin.hours.timeZone', { timeZone })}{' '}
            {t('admin.hours.midnight')}
          </p>
          {draft.windows.map((window, index) => (
            <WindowEditor
              // Windows have no identity of their own; their place in the list is what the administrator sees.
              key={index}
              idPrefix={idPrefix}
              index={index}
              window={window}
              showProblems={showProblems}
              removable={draft.windows.length > 1}
              onChange={(changed) => {
                onChange({ ...draft, windows: draft.windows.map((w, i) => (i === index ? changed : w)) });
              }}
              onRemove={() => {
                onChange({ ...draft, windows: draft.windows.filter((_, i) => i !== index) });
              }}
            />
          ))}
          {draft.windows.length < MAX_WINDOWS && (
            <p>
              <button
                type="button"
                className="button button--secondary button--small"
                onClick={() => {
                  onChange({ ...draft, windows: [...draft.windows, newWindow()] });
                }}
              >
                {t('admin.hours.add')}
              </button>
            </p>
          )}
        </>
      )}
    </div>
  );
}
