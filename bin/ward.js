#!/usr/bin/env node
// Entry point of the `ward` command. Ward's sources are TypeScript run through tsx, so no build
// step stands between `npm install` and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../server/src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
