import { ConfigError, loadConfig } from '../config/load.ts';
import { configReference } from '../config/reference.ts';
import type { WardConfig } from '../config/types.ts';
import { DatabaseUnavailableError } from '../db/database.ts';
import { runDoctor } from '../doctor/run.ts';
import { AdminPasswordError } from '../identity/bootstrap-admin.ts';
import { startWard } from '../main.ts';
import { seedCommand } from '../seed/command.ts';
import { TwoFactorKeyMismatchError } from '../twofactor/keys.ts';
import {
  auditVerifyCommand,
  createInstitutionCommand,
  createUserCommand,
  resetPasswordCommand,
  rotateTwoFactorKeyCommand,
  UsageError,
} from './identity-commands.ts';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

interface Command {
  readonly summary: string;
  run(config: () => WardConfig, args: readonly string[]): Promise<number>;
}

async function startCommand(config: () => WardConfig): Promise<number> {
  const ward = await startWard(config());
  let signals = 0;
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        process.stderr.write(`${signal} again: exiting without waiting\n`);
        process.exit(1);
      }
      process.stderr.write(`${signal}: finishing in-flight requests and shutting down\n`);
      ward.stop().then(resolve, (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return 0;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  start: { summary: 'run the server', run: startCommand },
  doctor: {
    summary: "audit this deployment against the institutions' security checklist",
    run: (config) => runDoctor(config(), (line) => process.stdout.write(`${line}\n`)),
  },
  'create-institution': {
    summary: 'create an institution (--name, --time-zone, [--two-factor])',
    run: (config, args) => createInstitutionCommand(config(), args, print),
  },
  'create-user': {
    summary: 'create a user and print their one-time set-password link',
    run: (config, args) => createUserCommand(config(), args, print),
  },
  'reset-password': {
    summary: "print a one-time link to reset a user's password (--username)",
    run: (config, args) => resetPasswordCommand(config(), args, print),
  },
  'rotate-2fa-key': {
    summary: 're-encrypt two-factor secrets under a new auth.2fa.password (old one in .previous)',
    run: (config) => rotateTwoFactorKeyCommand(config(), print),
  },
  'audit-verify': {
    summary: 'check the audit trail: report the first row changed, deleted or inserted out of band',
    run: (config) => auditVerifyCommand(config(), print),
  },
  seed: {
    summary:
      'demo data: an institution, one user per role, N synthetic patients (--patients N, [--demo-password P])',
    run: (config, args) => seedCommand(config(), args, print),
  },
  'config-reference': {
    summary: 'print every configuration key, its default and meaning (Markdown)',
    run: async () => {
      process.stdout.write(configReference());
      return 0;
    },
  },
};

/** Takes `--config FILE` (or `-c FILE`, `--config=FILE`) out of the arguments; the rest belong to the command. */
function splitConfigOption(argv: readonly string[]): {
  file: string | undefined;
  args: string[];
  problem?: string;
} {
  const args: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config' || arg === '-c') {
      file = argv[i + 1];
      if (file === undefined || file.startsWith('-'))
        return { file, args, problem: `${arg} needs a file path` };
      i++;
    } else if (arg.startsWith('--config=')) {
      file = arg.slice('--config='.length);
    } else {
      args.push(arg);
    }
  }
  return { file, args };
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(18)} ${c.summary}`);
  return `Usage: ward <command> [--config FILE]\n\nCommands:\n${lines.join('\n')}\n\nSettings come from FILE (default ./ward.properties if present) and WARD_* environment variables.\n`;
}

/** Runs one `ward` command and returns its exit status. Errors a user can fix are one clear message. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    process.stderr.write(
      name === undefined || name === '--help' || name === 'help'
        ? usage()
        : `unknown command "${name}"\n\n${usage()}`,
    );
    return name === undefined || name === '--help' || name === 'help' ? 0 : 2;
  }
  const { file, args, problem } = splitConfigOption(rest);
  if (problem) {
    process.stderr.write(`${problem}\n`);
    return 2;
  }
  const config = (): WardConfig => loadConfig({ file, env: process.env, cwd: process.cwd() });
  try {
    return await command.run(config, args);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`ward ${name ?? ''}: ${error.message}\n`);
      return 2;
    }
    if (
      error instanceof ConfigError ||
      error instanceof DatabaseUnavailableError ||
      error instanceof AdminPasswordError ||
      error instanceof TwoFactorKeyMismatchError
    ) {
      process.stderr.write(`ward ${name ?? ''}: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(
      `ward ${name ?? ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
