import { describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { HistoryStatus } from '../../../../shared/ipc/history';
import { initialAppState, type AppState } from '../../store/root-store';
import { historySearchSelectors } from './selectors';

const MB = 1024 * 1024;
const status: HistoryStatus = {
  state: 'open',
  file: '/data/history/history.db',
  fileBytes: 54 * MB,
  messages: 300_000,
  maxTotalBytes: 1024 * MB,
  paused: false,
  lost: 0,
  recording: [{ connectionId: 'c1' as ConnectionId, sourceKey: 'profile:lab', recorded: 10, dropped: 0 }],
  sources: [],
  movedAside: null,
  error: null,
};

function withStatus(patch: Partial<HistoryStatus> | null): AppState {
  const base = initialAppState();
  return { ...base, historySearch: { ...base.historySearch, status: patch === null ? null : { ...status, ...patch } } };
}

describe('history search selectors', () => {
  it('says how big the store is and whether it records, pauses or failed', () => {
    expect(historySearchSelectors.summary(withStatus(null))).toBe('History: not loaded yet');
    expect(historySearchSelectors.summary(withStatus({ state: 'closed', recording: [] }))).toBe('History store not opened yet · not recording');
    expect(historySearchSelectors.summary(withStatus({}))).toBe('300,000 messages · 54 MB of 1 GB · recording 1 connection');
    expect(historySearchSelectors.summary(withStatus({ paused: true, lost: 12 }))).toBe('300,000 messages · 54 MB of 1 GB · recording paused (1) · 12 lost');
    expect(historySearchSelectors.summary(withStatus({ state: 'recording-failed', error: { code: 'SQLITE_FULL', message: 'disk is full' } }))).toMatch(/^Recording stopped: disk is full/);
    expect(historySearchSelectors.summary(withStatus({ state: 'unavailable', error: { code: 'STORE_LOCKED', message: 'another Topiary (pid 7) holds it' } }))).toBe(
      'History unavailable: another Topiary (pid 7) holds it',
    );
  });

  it('shows recording as active only while it writes', () => {
    expect(historySearchSelectors.recordingActive(withStatus({}))).toBe(true);
    expect(historySearchSelectors.recordingActive(withStatus({ paused: true }))).toBe(false);
    expect(historySearchSelectors.recordingActive(withStatus({ state: 'recording-failed' }))).toBe(false);
    expect(historySearchSelectors.recordingActive(withStatus({ recording: [] }))).toBe(false);
  });

  it("finds a connection's recording, for the inspector's older messages", () => {
    expect(historySearchSelectors.recordingOf('c1' as ConnectionId)(withStatus({}))?.sourceKey).toBe('profile:lab');
    expect(historySearchSelectors.recordingOf('c2' as ConnectionId)(withStatus({}))).toBeUndefined();
    expect(historySearchSelectors.recordingOf(null)(withStatus({}))).toBeUndefined();
  });
});
