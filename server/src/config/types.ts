export type AppMode = 'development' | 'production';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Ward's validated configuration. Built once at start and passed to whatever needs it. */
export interface WardConfig {
  readonly mode: AppMode;
  /** The properties file read, if any (for messages). */
  readonly file: string | undefined;
  readonly adminPassword: string | undefined;
  readonly token: { readonly secret: string | undefined; readonly previousSecret: string | undefined };
  readonly twoFactor: {
    readonly featureEnabled: boolean;
    readonly key: string | undefined;
    readonly previousKey: string | undefined;
  };
  readonly recaptcha: {
    readonly enabled: boolean;
    readonly siteKey: string | undefined;
    readonly secretKey: string | undefined;
    readonly validatorUrl: string;
  };
  readonly captcha: {
    readonly provider: 'recaptcha' | 'altcha' | 'none';
    readonly when: 'always' | 'after-failures';
  };
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** Reverse proxies trusted to name the client in X-Forwarded-For. */
    readonly trustedProxies: readonly string[];
    /** Base URL for links people open (set-password, reset). */
    readonly publicUrl: string;
    readonly tls: { readonly certificate: string; readonly key: string } | undefined;
  };
  readonly database: {
    /** Owner connection; undefined means the embedded server. */
    readonly url: string | undefined;
    readonly runtimeUrl: string | undefined;
    readonly runtimeRole: string;
  };
  readonly redisUrl: string | undefined;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /**
   * Where each set key's value came from, for `doctor` and messages: 'ward.properties line 12',
   * 'environment WARD_X' or 'generated (development)'. Keys left at their default are absent.
   */
  readonly sources: ReadonlyMap<string, string>;
}
