import type { WardConfig } from '../config/types.ts';

/** Placeholder replaced below. */
export async function runDoctor(config: WardConfig, print: (line: string) => void): Promise<number> {
  print(`doctor: ${config.mode}`);
  return 0;
}
