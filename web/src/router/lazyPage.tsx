import { lazy } from 'react';
import type { ComponentType, LazyExoticComponent, ReactNode } from 'react';
import type { i18n } from 'i18next';
import { useTranslation } from 'react-i18next';
import { addStrings, loadFeatureStrings } from '../i18n/index.ts';

/**
 * A page whose code is fetched the first time it is shown, so that the sign-in page does not wait for it.
 * `load` is a dynamic import.
 */
export function lazyPage<Props extends object, Module>(
  load: () => Promise<Module>,
  pick: (module: Module) => ComponentType<Props>,
): LazyExoticComponent<ComponentType<Props>> {
  return lazy(async () => ({ default: pick(await load()) }));
}

const instancesWithFeatureStrings = new WeakSet<i18n>();

/** A page of a feature (clinical records, audit, export, administration): its strings come with its code. */
export function lazyFeaturePage<Props extends object, Module>(
  load: () => Promise<Module>,
  pick: (module: Module) => ComponentType<Props>,
): LazyExoticComponent<ComponentType<Props>> {
  return lazy(async () => {
    // Both downloads at once; the page shows when both are in.
    const [module, strings] = await Promise.all([load(), loadFeatureStrings()]);
    const Page = pick(module);
    function PageWithStrings(props: Props): ReactNode {
      const { i18n } = useTranslation();
      // During render, before the page's first t(): the strings are in memory already, and adding them
      // once more would change nothing.
      if (!instancesWithFeatureStrings.has(i18n)) {
        addStrings(i18n, strings);
        instancesWithFeatureStrings.add(i18n);
      }
      return <Page {...props} />;
    }
    return { default: PageWithStrings };
  });
}
