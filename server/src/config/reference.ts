import { KEYS } from './keys.ts';

/** The configuration reference as a Markdown table, generated from the key table. */
export function configReference(): string {
  const rows = KEYS.map((k) => {
    const names = [k.key, ...(k.aliases ?? [])].map((n) => `\`${n}\``).join(' / ');
    const env = [k.env, ...(k.envAliases ?? [])].map((n) => `\`${n}\``).join(', ');
    const values = k.values ? ` One of ${k.values.map((v) => `\`${v}\``).join(', ')}.` : '';
    return `| ${names} | ${env} | ${k.defaultText} | ${k.description}${values} |`;
  });
  return ['| key | environment | default | meaning |', '|---|---|---|---|', ...rows, ''].join('\n');
}
