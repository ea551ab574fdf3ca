import type { AccessChange, AccessPreview, BrokerClientRow, BrokerLogEntry, BrokerRetainedRow, BrokerSettings, BrokerStatsSample, BrokerStatus, UserAuthMethodName } from '../../../../shared/ipc/broker';
import { core } from '../../ipc/core-client';
import { toErrorData } from '../../lib/error-data';
import { frameBatch } from '../../lib/frame-batch';
import { saveFile } from '../../lib/save-file';
import { setSlice } from '../../store/root-store';
import { LOG_KEPT, SAMPLES_KEPT } from './state';

// Start, stop and settings show a busy flag and the dashboard's error; access changes answer with a sentence
// (or throw), which the access section shows beside itself.

async function act(work: () => Promise<BrokerStatus>): Promise<void> {
  setSlice('broker', { busy: true, error: null });
  try {
    setSlice('broker', { status: await work(), busy: false });
  } catch (e) {
    setSlice('broker', { busy: false, error: toErrorData(e) });
  }
}

export const startBroker = (): Promise<void> => act(() => core.invoke('broker.start', {}));
export const stopBroker = (): Promise<void> => act(() => core.invoke('broker.stop', {}));
export const restartBroker = (): Promise<void> => act(() => core.invoke('broker.restart', {}));
export const saveBrokerSettings = (settings: BrokerSettings): Promise<void> => act(() => core.invoke('broker.saveSettings', { settings }));

/** Runs the quick local TLS action; the sentence says what was made. */
export async function quickTls(): Promise<string | null> {
  setSlice('broker', { busy: true, error: null });
  try {
    const result = await core.invoke('broker.createQuickTls', {});
    setSlice('broker', { status: result.status, busy: false });
    return `TLS is ready: the broker listens on ${result.url} with a new local CA, and the profile "Embedded broker (TLS)" in the Local folder trusts it.`;
  } catch (e) {
    setSlice('broker', { busy: false, error: toErrorData(e) });
    return null;
  }
}

// Samples and log lines arrive as streams: they are gathered and appended once per animation frame.
let pendingSamples: BrokerStatsSample[] = [];
let pendingLog: BrokerLogEntry[] = [];
const appendStreams = frameBatch(() => {
  const samples = pendingSamples;
  const log = pendingLog;
  pendingSamples = [];
  pendingLog = [];
  setSlice('broker', (s) => ({
    ...(samples.length > 0 ? { samples: [...s.samples, ...samples].slice(-SAMPLES_KEPT) } : {}),
    ...(log.length > 0 ? { log: [...s.log, ...log.slice(-LOG_KEPT)].slice(-LOG_KEPT) } : {}),
  }));
});

/** Wires the broker's events into the store once, at start-up. */
export function listenToBroker(): void {
  core.on('broker.statusChanged', (status) => setSlice('broker', { status }));
  core.on('broker.statsSampled', (sample) => {
    pendingSamples.push(sample);
    appendStreams.schedule();
  });
  core.on('broker.logged', (entries) => {
    pendingLog.push(...entries);
    if (pendingLog.length > LOG_KEPT) pendingLog = pendingLog.slice(-LOG_KEPT);
    appendStreams.schedule();
  });
  void Promise.all([core.invoke('broker.getStatus', {}), core.invoke('broker.listStats', {}), core.invoke('broker.listLog', { limit: LOG_KEPT })]).then(([status, samples, log]) =>
    setSlice('broker', { status, samples: samples.slice(-SAMPLES_KEPT), log }),
  );
}

// The dashboard's lists are small and polled while shown, so they stay with the component that shows them.

export function fetchClients(): Promise<readonly BrokerClientRow[]> {
  return core.invoke('broker.listClients', {});
}

export async function disconnectClient(clientId: string): Promise<void> {
  await core.invoke('broker.disconnectClient', { clientId });
}

export function fetchRetained(prefix: string): Promise<{ readonly total: number; readonly rows: readonly BrokerRetainedRow[] }> {
  return core.invoke('broker.listRetained', { prefix, limit: 200 });
}

/** Deletes a retained message (or a subtree of them) and says how many went. */
export async function deleteRetained(topic: string, subtree: boolean): Promise<string> {
  const { deleted } = await core.invoke('broker.deleteRetained', { topic, subtree });
  return `Deleted ${deleted} retained message${deleted === 1 ? '' : 's'}${subtree ? ` under ${topic}` : ''}.`;
}

// Access: each returns the sentence to show, and the new status goes into the store. Failures throw.

/** Who would lose which access if the change were applied (Topiary's own connections among them); changes nothing. */
export function previewAccess(change: AccessChange): Promise<AccessPreview> {
  return core.invoke('broker.previewAccess', { change });
}

export async function fetchAcl(): Promise<string> {
  return (await core.invoke('broker.exportAcl', {})).text;
}

export async function setBrokerUser(username: string, password: string, authMethods?: readonly UserAuthMethodName[]): Promise<string> {
  setSlice('broker', { status: await core.invoke('broker.setUser', { username, password, ...(authMethods ? { authMethods: [...authMethods] } : {}) }) });
  return `Saved ${username}; only a salted hash of the password${authMethods?.some((m) => m !== 'password') ? ' and SCRAM keys are' : ' is'} kept.`;
}

export async function deleteBrokerUser(username: string): Promise<string> {
  // The new status arrives as broker.statusChanged.
  await core.invoke('broker.deleteUser', { username });
  return `Removed ${username}.`;
}

/** Gives a user a DTLS pre-shared key; the core seals it at once and never shows it again. */
export async function setBrokerPsk(username: string, identity: string, key: string): Promise<string> {
  setSlice('broker', { status: await core.invoke('broker.setPsk', { username, identity, key }) });
  return `Set the pre-shared key of ${identity} for ${username}; it is stored sealed and will not be shown again.`;
}

export async function deleteBrokerPsk(identity: string): Promise<string> {
  // The new status arrives as broker.statusChanged.
  await core.invoke('broker.deletePsk', { identity });
  return `Removed the pre-shared key ${identity}; new DTLS sessions with it are refused.`;
}

/** What an action has to tell: done, or done with something the user should fix. */
export interface ActionNotice {
  readonly text: string;
  readonly warning: boolean;
}

export async function importBrokerUsers(file: File): Promise<ActionNotice> {
  const r = await core.invoke('broker.importUsers', { text: await file.text() });
  setSlice('broker', { status: r.status });
  const text = `Imported ${r.imported} user${r.imported === 1 ? '' : 's'} from ${file.name}.`;
  // Weak hashes ($6$, few PBKDF2 rounds) still log in; say which, so the passwords get set again.
  return r.warnings.length === 0 ? { text, warning: false } : { text: `${text} ${r.warnings.join(' ')}`, warning: true };
}

export async function exportBrokerUsers(): Promise<string> {
  const file = await core.invoke('broker.exportUsers', {});
  saveFile(file.fileName, file.text, file.mediaType);
  return 'Exported in mosquitto_passwd format.';
}

export async function setBrokerAcl(text: string): Promise<string> {
  setSlice('broker', { status: await core.invoke('broker.setAcl', { text }) });
  return 'Access rules applied.';
}

/** Sends every client to another server (MQTT 5 Server Reference), or stops with null. */
export const setBrokerMoved = (moved: { readonly serverReference: string; readonly permanent: boolean } | null): Promise<void> =>
  act(() => core.invoke('broker.setMoved', { moved }));
