#!/usr/bin/env node
// Entry point of the `ward` command. Ward's sources are TypeScript run through tsx, so no build
// step stands between `npm install` and `npm start`.
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

register();
// V8's heap policy, set here so that `npm start` and the systemd unit get it alike. It is not a
// limit: the heap still grows as far as live data needs. Measured in docs/benchmarks.md. A setting
// of the operator's own (node's arguments) for the same thing wins. (Set after register(), which
// starts tsx's loader thread and resets V8's flags.)
//
// The young generation is left to V8: held at its starting size (--semi-space-growth-factor=1) it
// saved about 35 MB but cost an export a third of its speed. A node short of memory caps it from
// the start instead (NODE_OPTIONS=--max-semi-space-size=4, docs/deploy.md), at far less cost.
const operatorFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
const defaultFlag = (flag, unlessSet) => {
  if (!unlessSet.test(operatorFlags)) setFlagsFromString(flag);
};
// Collect the old generation when it has grown by 30% over what survived the last full
// collection, instead of letting it reach up to four times that first: an export turns over
// gigabytes of short-lived rows, and the ones caught by two scavenges pile up there as garbage.
defaultFlag('--heap-growing-percent=30', /--heap[-_]growing[-_]percent/);
const { runCli } = await import('../server/src/cli/main.ts');
const status = await runCli(process.argv.slice(2));
// Exit explicitly: a dependency's exit hook would otherwise turn every status into 0.
process.exit(status);
