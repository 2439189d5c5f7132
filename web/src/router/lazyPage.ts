import { lazy } from 'react';
import type { ComponentType, LazyExoticComponent } from 'react';

/**
 * A page whose code is fetched the first time it is shown, so that the sign-in page does not wait for it.
 * `load` is a dynamic import; pages loaded through the same module share one chunk.
 */
export function lazyPage<Module>(
  load: () => Promise<Module>,
  pick: (module: Module) => ComponentType,
): LazyExoticComponent<ComponentType> {
  return lazy(async () => ({ default: pick(await load()) }));
}
