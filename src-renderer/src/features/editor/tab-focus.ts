/**
 * Tab-focus mode for the payload editor, as VS Code's Ctrl+M: while on, Tab and Shift+Tab move focus out of the
 * editor like any other field, so a keyboard user can always reach the controls after it. On by default (a payload
 * is short, and Monaco indents new lines itself); the choice is remembered.
 */
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'topiary.editorTabFocus';
const listeners = new Set<() => void>();

function readStored(): boolean {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) !== 'off';
  } catch {
    return true;
  }
}

let on = readStored();

export function tabFocusMode(): boolean {
  return on;
}

export function setTabFocusMode(value: boolean): void {
  on = value;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, value ? 'on' : 'off');
  } catch {
    // Applied for this window only.
  }
  for (const l of listeners) l();
}

export function toggleTabFocusMode(): void {
  setTabFocusMode(!on);
}

export function useTabFocusMode(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    tabFocusMode,
    tabFocusMode,
  );
}

/** The shortcut as this platform writes it (VS Code uses Ctrl+Shift+M on macOS, where Cmd+M minimises). */
export const TAB_FOCUS_SHORTCUT = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform) ? 'Ctrl+Shift+M' : 'Ctrl+M';
