import { useId } from 'react';
import type { ReactNode, Ref } from 'react';

interface Props {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** `totp`: the app's six digits; `recovery`: a recovery code such as ABCDE-23456. */
  kind?: 'totp' | 'recovery';
  /** The id of the message that says what is wrong with the value, when something is. */
  problemId?: string | undefined;
  autoFocus?: boolean;
  inputRef?: Ref<HTMLInputElement>;
}

/**
 * The field for a second factor. For the app's code it brings up the number pad and lets the browser
 * offer a code it received (one-time-code); the value is checked by the caller before it is sent.
 */
export function CodeField({
  label,
  value,
  onChange,
  kind = 'totp',
  problemId,
  autoFocus,
  inputRef,
}: Props): ReactNode {
  const id = useId();
  const totp = kind === 'totp';
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        className={totp ? 'code-input' : 'code-input code-input--recovery'}
        name={totp ? 'one-time-code' : 'recovery-code'}
        type="text"
        inputMode={totp ? 'numeric' : 'text'}
        autoComplete={totp ? 'one-time-code' : 'off'}
        autoCapitalize={totp ? 'none' : 'characters'}
        autoCorrect="off"
        spellCheck={false}
        maxLength={totp ? 9 : 16}
        required
        autoFocus={autoFocus}
        aria-invalid={problemId !== undefined}
        aria-describedby={problemId}
        value={value}
        onChange={(event) => {
          onChange(event.target.value);
        }}
      />
    </div>
  );
}
