/**
 * What the command palette can do. Each command is a plain function over the store and the existing actions, so the
 * palette adds no behaviour of its own; a few reach controls by their test id (focus the filter box, press Publish),
 * the same way a keyboard user would.
 */
import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import type { ProfilesList } from '../../../../shared/ipc/profiles';
import { setTimeFormat, timeFormat } from '../../lib/format';
import { getSlice } from '../../store/root-store';
import { setTheme } from '../../ui/theme';
import { disconnect, takeSessionBack } from '../connections/actions';
import { toggleTabFocusMode, tabFocusMode } from '../editor/tab-focus';
import { connectProfile } from '../profiles/actions';
import { showWorkspace } from '../workspace/actions';
import type { Workspace } from '../workspace/state';

export interface PaletteCommand {
  readonly id: string;
  readonly group: 'Connections' | 'Explorer' | 'Views' | 'Preferences' | 'Search';
  readonly label: string;
  /** Extra words the search matches. */
  readonly keywords?: readonly string[];
  readonly run: () => void;
}

/** Waits for React to render what a command switched to, then runs `then` (a control to focus or press). */
function afterRender(then: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(then));
}

function byTestId(id: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
}

/** Focuses a control once the explorer shows it; returns it for a command that also changes it. */
export function focusControl(testId: string, then?: (el: HTMLElement) => void): void {
  afterRender(() => {
    const el = byTestId(testId);
    if (!el) return;
    el.focus();
    then?.(el);
  });
}

/** Types into a React-controlled input as a user would (React listens for the input event, not for `.value`). */
export function typeInto(el: HTMLElement, text: string): void {
  if (!(el instanceof HTMLInputElement)) return;
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
  setter?.call(el, text);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

const VIEWS: readonly { readonly id: Workspace; readonly label: string }[] = [
  { id: 'explorer', label: 'Explorer' },
  { id: 'history', label: 'History' },
  { id: 'broker', label: 'Broker' },
  { id: 'certificates', label: 'Certificates' },
  { id: 'scripts', label: 'Scripts' },
];

function isLive(c: ConnectionInfo): boolean {
  return c.state === 'connected' || c.state === 'connecting' || c.state === 'reconnecting';
}

/** Every command for the window as it is now; `query` is what the user typed, for the commands that take text. */
export function paletteCommands(query: string, extra: readonly PaletteCommand[] = []): readonly PaletteCommand[] {
  const commands: PaletteCommand[] = [];
  const connections = Object.values(getSlice('connections').byId);
  const profiles: ProfilesList | null = getSlice('profiles').list;
  const activeId = getSlice('connections').activeId;

  for (const p of profiles?.profiles ?? []) {
    commands.push({ id: `connect-profile-${p.id}`, group: 'Connections', label: `Connect to ${p.name}`, keywords: ['connect', 'profile', p.folder], run: () => void connectProfile(p.id) });
  }
  commands.push({
    id: 'quick-connect',
    group: 'Connections',
    label: 'Connect to a broker URL…',
    keywords: ['connect', 'quick', 'url'],
    run: () => {
      showWorkspace('explorer');
      focusControl('broker-url', (el) => (el as HTMLInputElement).select?.());
    },
  });
  for (const c of connections) {
    const name = c.name;
    if (isLive(c)) {
      commands.push({ id: `disconnect-${c.connectionId}`, group: 'Connections', label: `Disconnect from ${name}${c.connectionId === activeId ? ' (shown)' : ''}`, keywords: ['disconnect', 'close', c.url], run: () => void disconnect(c.connectionId) });
    } else {
      commands.push({ id: `reconnect-${c.connectionId}`, group: 'Connections', label: `Reconnect to ${name}`, keywords: ['connect', 'reconnect', c.url], run: () => void takeSessionBack(c.connectionId) });
    }
  }

  commands.push({
    id: 'publish',
    group: 'Explorer',
    label: 'Publish the composer’s message',
    keywords: ['publish', 'send'],
    run: () => {
      showWorkspace('explorer');
      afterRender(() => {
        const button = byTestId('publish-button');
        if (button instanceof HTMLButtonElement && !button.disabled) button.click();
        else byTestId('publish-topic')?.focus();
      });
    },
  });
  commands.push({ id: 'compose', group: 'Explorer', label: 'Go to the composer’s topic', keywords: ['publish', 'topic', 'compose'], run: () => (showWorkspace('explorer'), focusControl('publish-topic', (el) => (el as HTMLInputElement).select?.())) });
  commands.push({ id: 'filter-focus', group: 'Explorer', label: 'Filter the tree…', keywords: ['filter', 'search', 'find', 'topics'], run: () => (showWorkspace('explorer'), focusControl('tree-filter')) });
  // Whatever was typed can be the filter itself: offered always, after the commands that match by name.
  const pattern = query.trim();
  if (pattern !== '') {
    commands.push({
      id: 'filter',
      group: 'Search',
      label: `Filter the tree for “${pattern}”`,
      run: () => {
        showWorkspace('explorer');
        focusControl('tree-filter', (el) => typeInto(el, pattern));
      },
    });
  }

  for (const v of VIEWS) {
    commands.push({ id: `view-${v.id}`, group: 'Views', label: `Show ${v.label}`, keywords: ['view', 'switch', 'workspace', 'tab', v.label], run: () => showWorkspace(v.id) });
  }

  const clock = timeFormat() === 'clock';
  commands.push({
    id: 'time-format',
    group: 'Preferences',
    label: clock ? 'Time format: use the system’s format' : 'Time format: use 24-hour with milliseconds',
    keywords: ['time', 'clock', 'format', 'locale', '24', 'milliseconds'],
    run: () => setTimeFormat(clock ? 'locale' : 'clock'),
  });
  commands.push({
    id: 'tab-focus',
    group: 'Preferences',
    label: tabFocusMode() ? 'Editor: let Tab indent (Ctrl+M)' : 'Editor: let Tab move focus (Ctrl+M)',
    keywords: ['tab', 'focus', 'keyboard', 'editor', 'indent'],
    run: toggleTabFocusMode,
  });
  for (const [setting, label] of [['light', 'Light'], ['dark', 'Dark'], ['system', 'Follow the system']] as const) {
    commands.push({ id: `theme-${setting}`, group: 'Preferences', label: `Theme: ${label}`, keywords: ['theme', 'colour', 'color', 'appearance', setting], run: () => setTheme(setting) });
  }
  return [...commands, ...extra];
}
