import type { LayoutStorage } from 'react-resizable-panels';

const PREFIX = 'topiary.panes.';

/** The renderer's localStorage under a prefix of its own; a disabled or full storage only means sizes are not remembered. */
export const paneStorage: LayoutStorage = {
  getItem(key: string): string | null {
    try {
      return window.localStorage.getItem(PREFIX + key);
    } catch {
      return null;
    }
  },
  setItem(key: string, value: string): void {
    try {
      window.localStorage.setItem(PREFIX + key, value);
    } catch {
      // Sizes then last for this session only.
    }
  },
};
