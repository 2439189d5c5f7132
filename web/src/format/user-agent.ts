// A short, recognisable name for the browser behind a User-Agent string ("Firefox 128", "Android"), so a user
// can tell their own devices from a stranger's in the last-access banner and the sessions list. It is a
// hint, not proof: any client can send any User-Agent.

export interface DeviceSummary {
  /** Browser name with its major version, e.g. "Chrome 131"; null when not recognised. */
  browser: string | null;
  /** Operating system or device, e.g. "Windows", "iPhone"; null when not recognised. */
  os: string | null;
}

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
const BROWSERS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'Edge', pattern: /\bEdg(?:e|A|iOS)?\/(\d+)/ },
  { name: 'Opera', pattern: /\b(?:OPR|Opera)\/(\d+)/ },
  { name: 'Samsung Internet', pattern: /\bSamsungBrowser\/(\d+)/ },
  { name: 'Firefox', pattern: /\b(?:Firefox|FxiOS)\/(\d+)/ },
  { name: 'Chrome', pattern: /\b(?:HeadlessChrome|Chrome|CriOS)\/(\d+)/ },
  { name: 'Safari', pattern: /\bVersion\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\// },
  { name: 'curl', pattern: /^curl\/(\d+)/ },
];

const SYSTEMS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'iPhone', pattern: /\biPhone\b/ },
  { name: 'iPad', pattern: /\biPad\b/ },
  { name: 'Android', pattern: /\bAndroid\b/ },
  { name: 'ChromeOS', pattern: /\bCrOS\b/ },
  { name: 'Windows', pattern: /\bWindows\b/ },
  { name: 'macOS', pattern: /\bMac OS X\b|\bMacintosh\b/ },
  { name: 'Linux', pattern: /\bLinux\b/ },
];

export function summariseUserAgent(userAgent: string): DeviceSummary {
  let browser: string | null = null;
  for (const { name, pattern } of BROWSERS) {
    const match = pattern.exec(userAgent);
    if (match) {
      browser = `${name} ${match[1] ?? ''}`.trim();
      break;
    }
  }
  const os = SYSTEMS.find(({ pattern }) => pattern.test(userAgent))?.name ?? null;
  return { browser, os };
}
