import type { ConnectionId } from '../../../../shared/ipc/common';
import type { Arg, Result } from '../../../../shared/ipc/contract';
import type { ComposedMessage, Draft, HistoryEntry, JobMode, JobProgress, PayloadTransform, SavedMessage, TopicSuggestion } from '../../../../shared/ipc/publish';
import { core } from '../../ipc/core-client';
import { getSlice, setSlice } from '../../store/root-store';
import { transformOf, withLoadedTransform, type PayloadScriptSetting } from './state';

// The composer keeps its form in the component (Monaco holds the text); these are its calls to the core, and the
// payload script's setting, which the form takes with one spread in its message(): `...payloadScript()`.

/** The transform to add to the composed message, when the user ticked the box. */
export function payloadScript(): { readonly transform?: PayloadTransform } {
  return transformOf(getSlice('publish').payloadScript);
}

export function setPayloadScript(change: Partial<Omit<PayloadScriptSetting, 'version'>>): void {
  setSlice('publish', (s) => ({ payloadScript: { ...s.payloadScript, ...change } }));
}

/** A saved or history message put back in the form: its script (or none) with it. */
export function loadPayloadScript(transform: PayloadTransform | undefined): void {
  setSlice('publish', (s) => ({ payloadScript: withLoadedTransform(s.payloadScript, transform) }));
}

export function compose(args: Arg<'publish.compose'>): Promise<Result<'publish.compose'>> {
  return core.invoke('publish.compose', args);
}

/** Starts {{counter}} at 1 again for a topic of a connection. */
export async function resetCounter(connectionId: ConnectionId, topic: string): Promise<void> {
  await core.invoke('publish.resetCounter', { connectionId, topic });
}

/** Publishes and waits for the reply on the response topic. */
export function request(args: Arg<'publish.request'>): Promise<Result<'publish.request'>> {
  return core.invoke('publish.request', args);
}

export function loadDraft(scope: string): Promise<Draft | null> {
  return core.invoke('publish.getDraft', { scope });
}

export async function saveDraft(scope: string, draft: Draft): Promise<void> {
  await core.invoke('publish.setDraft', { scope, draft });
}

export function suggestTopics(connectionId: ConnectionId, prefix: string): Promise<readonly TopicSuggestion[]> {
  return core.invoke('publish.suggestTopics', { connectionId, prefix, limit: 30 });
}

/** The saved messages of a scope (and global ones), and the latest sends. */
export async function fetchSavedAndHistory(scope: string): Promise<{ readonly saved: readonly SavedMessage[]; readonly history: readonly HistoryEntry[] }> {
  const [saved, history] = await Promise.all([core.invoke('publish.listSavedMessages', { scope }), core.invoke('publish.listHistory', { limit: 50 })]);
  return { saved, history };
}

export async function saveMessage(name: string, scope: string, message: ComposedMessage): Promise<void> {
  await core.invoke('publish.saveMessage', { name, scope, message });
}

export async function deleteSavedMessage(id: string): Promise<void> {
  await core.invoke('publish.deleteSavedMessage', { id });
}

export function startJob(connectionId: ConnectionId, message: ComposedMessage, mode: JobMode): Promise<JobProgress> {
  return core.invoke('publish.startJob', { connectionId, message, mode });
}

export function stopJob(jobId: string): Promise<JobProgress> {
  return core.invoke('publish.stopJob', { jobId });
}

/** Follows the core's job progress reports (a few a second); returns the unsubscribe. */
export function onJobProgress(listener: (progress: JobProgress) => void): () => void {
  return core.on('publish.jobProgressed', listener);
}

/** Runs the message's payload script on the filled-in message; nothing is sent. */
export function previewTransform(args: Arg<'publish.previewTransform'>): Promise<Result<'publish.previewTransform'>> {
  return core.invoke('publish.previewTransform', args);
}

/** The script API's declarations, for the payload script's editor. */
export function fetchScriptApi(): Promise<Result<'decoders.getScriptApi'>> {
  return core.invoke('decoders.getScriptApi', {});
}
