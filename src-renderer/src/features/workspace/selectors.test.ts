import { describe, expect, it } from 'vitest';
import { initialAppState } from '../../store/root-store';
import { connectionInfoSelectors } from '../connection-info/selectors';
import { workspaceSelectors } from './selectors';

describe('workspace and drawer selectors', () => {
  it('opens on the explorer with the connection drawer closed on its info tab', () => {
    const s = initialAppState();
    expect(workspaceSelectors.current(s)).toBe('explorer');
    expect(connectionInfoSelectors.drawerOpen(s)).toBe(false);
    expect(connectionInfoSelectors.drawerTab(s)).toBe('info');
  });

  it('reads the workspace and drawer as set', () => {
    const base = initialAppState();
    const s = { ...base, workspace: { current: 'broker' as const }, connectionInfo: { ...base.connectionInfo, drawerOpen: true, drawerTab: 'packets' as const } };
    expect(workspaceSelectors.current(s)).toBe('broker');
    expect(connectionInfoSelectors.drawerOpen(s)).toBe(true);
    expect(connectionInfoSelectors.drawerTab(s)).toBe('packets');
  });
});
