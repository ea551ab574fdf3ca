import { describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ExplorerChanged } from '../../../../shared/ipc/explorer';
import { initialAppState, type AppState } from '../../store/root-store';
import { explorerSelectors } from './selectors';
import type { ExplorerState } from './state';

const changed = (id: string, version: number): ExplorerChanged => ({
  connectionId: id as ConnectionId,
  version,
  topicCount: version * 10,
  messageCount: version * 100,
  buffer: { paused: false, bufferedMessages: 0, bufferedBytes: 0, fill: 0, received: 0, dropped: 0, capacityMessages: 500_000, capacityBytes: 128 * 1024 * 1024 },
});

function state(activeId: string | null, explorer: Partial<ExplorerState>): AppState {
  const base = initialAppState();
  return { ...base, connections: { ...base.connections, activeId: activeId as ConnectionId | null }, explorer: { ...base.explorer, ...explorer } };
}

describe('explorer selectors', () => {
  const perConnection: Partial<ExplorerState> = {
    changed: { a: changed('a', 1), b: changed('b', 2) },
    selected: { a: 'plant/1/temp', b: null },
    viewVersion: { a: 7 },
  };

  it('reads the tree report, selection and view version of the active connection only', () => {
    const onA = state('a', perConnection);
    expect(explorerSelectors.changed(onA)?.version).toBe(1);
    expect(explorerSelectors.selected(onA)).toBe('plant/1/temp');
    expect(explorerSelectors.viewVersion(onA)).toBe(7);
    const onB = state('b', perConnection);
    expect(explorerSelectors.changed(onB)?.topicCount).toBe(20);
    expect(explorerSelectors.selected(onB)).toBeNull();
    expect(explorerSelectors.viewVersion(onB)).toBe(0);
  });

  it('gives the toolbar\'s gauge fields alike for two reports that differ only in counts', () => {
    const a = explorerSelectors.gauge(state('a', { changed: { a: changed('a', 1) } }));
    const next = changed('a', 2);
    const b = explorerSelectors.gauge(state('a', { changed: { a: { ...next, buffer: { ...next.buffer, received: 5_000 } } } }));
    expect(a).toEqual({ paused: false, fill: 0, bufferedMessages: 0, dropped: 0 });
    expect(b).toEqual(a);
    expect(explorerSelectors.gauge(state(null, perConnection))).toBeNull();
  });

  it('gives nothing while no connection is active', () => {
    const none = state(null, perConnection);
    expect(explorerSelectors.changed(none)).toBeNull();
    expect(explorerSelectors.selected(none)).toBeNull();
    expect(explorerSelectors.viewVersion(none)).toBe(0);
  });

  it('charts a field only on the topic it was asked for', () => {
    const s = state('a', { chartTopic: 'plant/1/temp', chartField: 'value' });
    expect(explorerSelectors.chartFieldFor('plant/1/temp')(s)).toBe('value');
    expect(explorerSelectors.chartFieldFor('plant/2/temp')(s)).toBeNull();
    expect(explorerSelectors.chartFieldFor(null)(state('a', { chartTopic: null, chartField: 'value' }))).toBeNull();
  });

  it('starts sorted by name on the value tab with no filter error and subscriptions closed', () => {
    const s = initialAppState();
    expect(explorerSelectors.sort(s)).toBe('name');
    expect(explorerSelectors.tab(s)).toBe('value');
    expect(explorerSelectors.filterError(s)).toBeNull();
    expect(explorerSelectors.subscriptionsOpen(s)).toBe(false);
  });

  it('carries each request to publish to a topic or filter the tree as a new one', () => {
    const s = state('a', { publishTo: { topic: 'plant/1', seq: 2 }, filterRequest: { filter: { mode: 'wildcard', pattern: 'plant/#' }, seq: 1 } });
    expect(explorerSelectors.publishTo(s)).toEqual({ topic: 'plant/1', seq: 2 });
    expect(explorerSelectors.filterRequest(s)?.filter.pattern).toBe('plant/#');
    expect(explorerSelectors.publishTo(initialAppState())).toBeNull();
  });
});
