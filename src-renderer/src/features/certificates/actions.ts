import type { CertificateEntryView, CertificateId, ImportArgs, IssueArgs, GenerateCaArgs, TestBrokerArgs } from '../../../../shared/ipc/certificates';
import type { ErrorData } from '../../../../shared/ipc/errors';
import { core } from '../../ipc/core-client';
import { toErrorData } from '../../lib/error-data';
import { saveFile } from '../../lib/save-file';
import { getSlice, setSlice } from '../../store/root-store';
import type { CertificatesView } from './state';
import { importNoticeText } from './certificate-format';

function setError(area: string, error: ErrorData | null): void {
  setSlice('certificates', (s) => {
    const { [area]: _old, ...rest } = s.errors;
    return { errors: error ? { ...rest, [area]: error } : rest };
  });
}

function setBusy(area: string, busy: boolean): void {
  setSlice('certificates', (s) => ({ busy: { ...s.busy, [area]: busy } }));
}

// Runs one request for an area of the panel: busy flag on, error cleared, error kept on failure.
async function run<T>(area: string, work: () => Promise<T>): Promise<T | null> {
  setBusy(area, true);
  setError(area, null);
  try {
    return await work();
  } catch (error) {
    setError(area, toErrorData(error));
    return null;
  } finally {
    setBusy(area, false);
  }
}

let listening = false;

/** Loads the store and follows changes from other windows; once per page. */
export function listenToCertificates(): void {
  if (listening) return;
  listening = true;
  core.on('certificates.changed', (list) => setSlice('certificates', { list }));
  // Which profiles use an entry is part of each row, so a profile change can change the list.
  core.on('profiles.changed', () => void refreshCertificates());
  void refreshCertificates();
}

export async function refreshCertificates(): Promise<void> {
  const list = await run('list', () => core.invoke('certificates.list', {}));
  if (list) setSlice('certificates', { list });
}

export function showView(view: CertificatesView): void {
  const { notice } = getSlice('certificates');
  setSlice('certificates', { view, notice: view.kind === 'details' && notice?.id === view.id ? notice : null });
  if (view.kind === 'details') void loadChain(view.id);
  if (view.kind === 'system-roots' && !getSlice('certificates').systemRoots) void loadSystemRoots();
}

export async function loadChain(id: CertificateId): Promise<void> {
  const report = await run('chain', () => core.invoke('certificates.checkChain', { id }));
  if (report) setSlice('certificates', { chain: { id, report } });
}

export async function loadSystemRoots(): Promise<void> {
  const roots = await run('roots', () => core.invoke('certificates.listSystemRoots', {}));
  if (roots) setSlice('certificates', { systemRoots: roots });
}

/** Imports; on success shows the (first) new entry. The error stays in errors.import (PASSPHRASE_REQUIRED asks for one). */
/** The ids of the entries in the store now. */
function storedIds(): ReadonlySet<string> {
  return new Set((getSlice('certificates').list?.rows ?? []).flatMap((r) => (r.status === 'ok' ? [r.entry.id] : [])));
}

export async function importCertificates(args: ImportArgs): Promise<boolean> {
  if (!getSlice('certificates').list) await refreshCertificates();
  const before = storedIds();
  const result = await run('import', () => core.invoke('certificates.import', args));
  if (!result) return false;
  await refreshCertificates();
  const first = result.entries[0];
  const notice = importNoticeText(result.entries, before);
  setSlice('certificates', { notice: first && notice ? { id: first.id, text: notice } : null });
  if (first) showView({ kind: 'details', id: first.id });
  return true;
}

/** Trusts a certificate of a chain (its top, usually) by adding it to the store as a trusted CA, then checks the chain again. */
export async function trustAsCa(pem: string, label: string, recheck: CertificateId): Promise<void> {
  const before = storedIds();
  const result = await run('chain', () => core.invoke('certificates.import', { kind: 'trusted-ca', inputs: [{ data: pem, name: label }], label }));
  if (!result) return;
  await refreshCertificates();
  const notice = importNoticeText(result.entries, before);
  setSlice('certificates', { notice: { id: recheck, text: notice ?? `"${label}" is now a trusted CA in your store.` } });
  await loadChain(recheck);
}

export async function renameCertificate(id: CertificateId, label: string): Promise<boolean> {
  const done = await run('details', () => core.invoke('certificates.rename', { id, label }));
  if (done) await refreshCertificates();
  return done !== null;
}

/** Deletes; an entry in use fails with IN_USE (details.users) and is only removed when forced. */
export async function deleteCertificate(id: CertificateId, force: boolean): Promise<boolean> {
  const done = await run('delete', async () => {
    await core.invoke('certificates.delete', { id, force });
    return true;
  });
  if (!done) return false;
  await refreshCertificates();
  showView({ kind: 'empty' });
  return true;
}

export async function generateCa(args: GenerateCaArgs): Promise<boolean> {
  const entry = await run('generate', () => core.invoke('certificates.generateCa', args));
  if (!entry) return false;
  await refreshCertificates();
  showView({ kind: 'details', id: entry.id });
  return true;
}

export async function issueCertificate(args: IssueArgs): Promise<boolean> {
  const entry = await run('generate', () => core.invoke('certificates.issue', args));
  if (!entry) return false;
  await refreshCertificates();
  showView({ kind: 'details', id: entry.id });
  return true;
}

export async function testBroker(args: TestBrokerArgs): Promise<void> {
  setSlice('certificates', { lastTest: null });
  const result = await run('test', () => core.invoke('certificates.testBroker', args));
  if (result) setSlice('certificates', { lastTest: result });
}

export async function exportPem(id: CertificateId, includePrivateKey: boolean, keyPassphrase?: string): Promise<void> {
  const file = await run('export', () =>
    core.invoke('certificates.exportPem', { id, includePrivateKey, ...(keyPassphrase ? { keyPassphrase } : {}) }),
  );
  if (file) saveFile(file.fileName, file.text, 'application/x-pem-file');
}

export async function exportPkcs12(id: CertificateId, password: string): Promise<void> {
  const file = await run('export', () => core.invoke('certificates.exportPkcs12', { id, password }));
  if (file) saveFile(file.fileName, file.bytes, 'application/x-pkcs12');
}

export function clearError(area: string): void {
  setError(area, null);
}

/** The stored entries, read once (the profile editor offers them without following the store's changes). */
export async function fetchStoredCertificates(): Promise<readonly CertificateEntryView[]> {
  const list = await core.invoke('certificates.list', {});
  return list.rows.flatMap((row) => (row.status === 'ok' ? [row.entry] : []));
}
