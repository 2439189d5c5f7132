import type { ReactNode } from 'react';
import type { CaptchaInfo } from '../api/types.ts';
import { AltchaCaptcha } from './AltchaCaptcha.tsx';
import { RecaptchaCaptcha } from './RecaptchaCaptcha.tsx';

interface Props {
  info: CaptchaInfo;
  round: number;
  /** Receives the value to send as `captcha`, or undefined while there is none to send. */
  onToken: (token: string | undefined) => void;
}

/** The deployment's captcha, whichever it is. */
export function CaptchaField({ info, round, onToken }: Props): ReactNode {
  if (info.provider === 'altcha') return <AltchaCaptcha round={round} onToken={onToken} />;
  if (info.provider === 'recaptcha' && info.siteKey !== undefined) {
    return <RecaptchaCaptcha siteKey={info.siteKey} round={round} onToken={onToken} />;
  }
  return null;
}
