import type { ReactNode } from 'react';

/** A whole number within bounds, marked invalid (with its hint as the reason) when outside them. */
export function NumberField({
  id,
  label,
  hint,
  min,
  max,
  value,
  onChange,
}: {
  id: string;
  label: string;
  hint: string;
  min: number;
  max: number;
  value: number;
  onChange: (value: number) => void;
}): ReactNode {
  const invalid = !Number.isInteger(value) || value < min || value > max;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={1}
        required
        value={Number.isNaN(value) ? '' : value}
        aria-invalid={invalid}
        aria-describedby={`${id}-hint`}
        onChange={(event) => {
          onChange(event.target.valueAsNumber);
        }}
      />
      <p id={`${id}-hint`} className={invalid ? 'field__problem' : 'field__hint'}>
        {hint}
      </p>
    </div>
  );
}
