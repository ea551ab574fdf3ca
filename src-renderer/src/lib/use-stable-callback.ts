import { useCallback, useLayoutEffect, useRef } from 'react';

/**
 * A function that keeps its identity across renders and calls the newest `fn`: for handlers and getters handed to
 * memoised children, which a fresh closure per render would re-render for nothing. Not for calling during render:
 * it reaches the last committed render's `fn`.
 */
export function useStableCallback<A extends readonly unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const latest = useRef(fn);
  useLayoutEffect(() => {
    latest.current = fn;
  });
  return useCallback((...args: A) => latest.current(...args), []);
}
