#!/usr/bin/env node
// Entry point of the `ward` command. Ward's sources are TypeScript run through tsx, so no build
// step stands between `npm install` and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../server/src/cli/main.ts');
const status = await runCli(process.argv.slice(2));
// Exit explicitly: a dependency's exit hook would otherwise turn every status into 0.
process.exit(status);
