import { useSyncExternalStore } from 'react';

/** What the user chose: a fixed theme, or whatever the operating system prefers. */
export type ThemeSetting = 'light' | 'dark' | 'system';
/** The theme actually shown. */
export type ResolvedTheme = 'light' | 'dark';

export const THEME_SETTINGS: readonly ThemeSetting[] = ['light', 'dark', 'system'];

// The choice is a property of this window, like pane sizes: the renderer's own storage keeps it,
// in Electron and in web mode alike.
const STORAGE_KEY = 'topiary.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

interface ThemeSnapshot {
  readonly setting: ThemeSetting;
  readonly resolved: ResolvedTheme;
}

let snapshot: ThemeSnapshot = { setting: 'system', resolved: 'dark' };
const listeners = new Set<() => void>();
let started = false;

function readSetting(): ThemeSetting {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return stored === 'light' || stored === 'dark' || stored === 'system' ? stored : 'system';
  } catch {
    return 'system';
  }
}

function systemTheme(): ResolvedTheme {
  // Without matchMedia (old engines, some test shells) dark is the app's native look.
  if (typeof window.matchMedia !== 'function') return 'dark';
  return window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

function apply(setting: ThemeSetting): void {
  const resolved = setting === 'system' ? systemTheme() : setting;
  if (snapshot.setting === setting && snapshot.resolved === resolved && started) return;
  snapshot = { setting, resolved };
  const root = document.documentElement;
  root.dataset.theme = resolved;
  root.dataset.themeSetting = setting;
  root.style.colorScheme = resolved;
  for (const l of listeners) l();
}

/** Applies the stored theme to <html> and follows the system's preference while the setting is "system". Call once, before the first render. */
export function startTheme(): void {
  if (started) return;
  apply(readSetting());
  started = true;
  if (typeof window.matchMedia === 'function') {
    window.matchMedia(DARK_QUERY).addEventListener('change', () => {
      if (snapshot.setting === 'system') apply('system');
    });
  }
  // Another window of the app (web mode tabs) changing the theme.
  window.addEventListener('storage', (e) => {
    if (e.key === STORAGE_KEY) apply(readSetting());
  });
}

/** Chooses light, dark or follow-the-system, remembered for next time. */
export function setTheme(setting: ThemeSetting): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, setting);
  } catch {
    // Storage can be disabled; the choice then lasts for this session only.
  }
  apply(setting);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const getSnapshot = (): ThemeSnapshot => snapshot;

/** The theme setting and the theme shown, re-rendering when either changes. */
export function useTheme(): ThemeSnapshot & { readonly setTheme: typeof setTheme } {
  const s = useSyncExternalStore(subscribe, getSnapshot);
  return { ...s, setTheme };
}
