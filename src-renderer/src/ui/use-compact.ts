import { useLayoutEffect, useRef, useState, type RefObject } from 'react';

/**
 * Whether a toolbar must fold its secondary controls away so that its main field keeps at least `minWidth` pixels.
 * It measures instead of guessing a breakpoint, so fonts and option labels decide; the width at which the field
 * fell short is remembered, and the full toolbar comes back only once the bar is that wide again (no flicker).
 */
export function useCompact(bar: RefObject<HTMLElement | null>, field: RefObject<HTMLElement | null>, minWidth: number): boolean {
  const [compact, setCompact] = useState(false);
  const state = useRef({ compact: false, needed: 0 });
  useLayoutEffect(() => {
    const element = bar.current;
    if (!element) return;
    const check = (): void => {
      const width = element.getBoundingClientRect().width;
      // A hidden workspace has no width: nothing to decide until it is shown.
      if (width === 0) return;
      if (!state.current.compact) {
        const fieldWidth = field.current?.getBoundingClientRect().width ?? minWidth;
        if (fieldWidth >= minWidth) return;
        state.current = { compact: true, needed: width + (minWidth - fieldWidth) };
        setCompact(true);
      } else if (width >= state.current.needed) {
        state.current = { compact: false, needed: 0 };
        setCompact(false);
      }
    };
    const observer = new ResizeObserver(check);
    observer.observe(element);
    // The field also narrows when a neighbour grows (a select showing a longer choice).
    if (field.current) observer.observe(field.current);
    check();
    return () => observer.disconnect();
  }, [bar, field, minWidth]);
  return compact;
}
