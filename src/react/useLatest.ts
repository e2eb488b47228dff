import { useEffect, useLayoutEffect, useRef } from 'react';

// useLayoutEffect warns when rendered on a server in some React versions; effects do not run there anyway.
const useIsomorphicLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/** A ref that always holds the latest value, so a subscription made once can call the newest callback. */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useIsomorphicLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
