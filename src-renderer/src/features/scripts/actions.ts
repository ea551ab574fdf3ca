import type { DecoderBindingInfo, BindingDecoder } from '../../../../shared/ipc/decoders';
import { core } from '../../ipc/core-client';
import { toErrorData } from '../../lib/error-data';
import { getSlice, setSlice } from '../../store/root-store';
import type { SaveResponderArgsSchema } from '../../../../shared/ipc/responders';
import type { SaveSimulationArgsSchema, SavedSimulation } from '../../../../shared/ipc/simulations';
import type { z } from 'zod';
import type { BindingSelection, ScriptsSection } from './state';

let listening = false;

/** Wires the bindings' event into the store and loads what the workspace needs; once, when it is first shown. */
export function listenToScripts(): void {
  if (listening) return;
  listening = true;
  core.on('decoders.bindingsChanged', (bindings) => setSlice('scripts', { bindings, loaded: true }));
  core.on('responders.changed', (responders) => setSlice('scripts', { responders }));
  // An import in the connections panel adds saved simulations: they show here at once, stopped.
  core.on('simulations.savedChanged', (savedSimulations) => setSlice('scripts', { savedSimulations }));
  core.invoke('simulations.listSaved', {}).then(
    (savedSimulations) => setSlice('scripts', { savedSimulations }),
    (e: unknown) => setSlice('scripts', { sectionError: toErrorData(e) }),
  );
  core.invoke('responders.list', {}).then(
    (responders) => setSlice('scripts', { responders }),
    (e: unknown) => setSlice('scripts', { sectionError: toErrorData(e) }),
  );
  core.invoke('simulations.listScenarios', {}).then(
    (scenarios) => setSlice('scripts', { scenarios }),
    (e: unknown) => setSlice('scripts', { sectionError: toErrorData(e) }),
  );
  void loadBindings();
  core.invoke('decoders.getScriptApi', {}).then(
    (scriptApi) => setSlice('scripts', { scriptApi }),
    (e: unknown) => setSlice('scripts', { error: toErrorData(e) }),
  );
}

export async function loadBindings(): Promise<void> {
  try {
    setSlice('scripts', { bindings: await core.invoke('decoders.listBindings', {}), loaded: true });
  } catch (e) {
    setSlice('scripts', { error: toErrorData(e), loaded: true });
  }
}

export function selectBinding(selection: BindingSelection): void {
  setSlice('scripts', { selection, testResult: null, error: null });
}

/** Saves a binding (new when `id` is absent) and selects it; its problem, if any, comes back with it. */
export async function saveBinding(args: { readonly id?: string; readonly filter: string; readonly decoder: BindingDecoder; readonly enabled: boolean }): Promise<DecoderBindingInfo | null> {
  setSlice('scripts', { busy: true, error: null });
  try {
    const saved = await core.invoke('decoders.saveBinding', args);
    setSlice('scripts', (s) => ({
      busy: false,
      selection: { kind: 'saved', id: saved.id } as const,
      bindings: s.bindings.some((b) => b.id === saved.id) ? s.bindings.map((b) => (b.id === saved.id ? saved : b)) : [...s.bindings, saved],
    }));
    return saved;
  } catch (e) {
    setSlice('scripts', { busy: false, error: toErrorData(e) });
    return null;
  }
}

export async function setBindingEnabled(binding: DecoderBindingInfo, enabled: boolean): Promise<void> {
  await saveBinding({ id: binding.id, filter: binding.filter, decoder: binding.decoder, enabled });
}

export async function deleteBinding(id: string): Promise<void> {
  setSlice('scripts', { busy: true, error: null });
  try {
    await core.invoke('decoders.deleteBinding', { id });
    const { selection } = getSlice('scripts');
    setSlice('scripts', (s) => ({
      busy: false,
      bindings: s.bindings.filter((b) => b.id !== id),
      ...(selection.kind === 'saved' && selection.id === id ? { selection: { kind: 'none' } as const } : {}),
    }));
  } catch (e) {
    setSlice('scripts', { busy: false, error: toErrorData(e) });
  }
}

/** Runs the script once on a sample payload in the sandbox, without saving it. */
export async function testScript(source: string, topic: string, payload: string): Promise<void> {
  setSlice('scripts', { busy: true, error: null, testResult: null });
  try {
    const testResult = await core.invoke('decoders.testScript', { source, topic, payload: new TextEncoder().encode(payload) });
    setSlice('scripts', { busy: false, testResult });
  } catch (e) {
    setSlice('scripts', { busy: false, error: toErrorData(e) });
  }
}

export function showScriptsSection(section: ScriptsSection): void {
  setSlice('scripts', { section, sectionError: null });
}

async function sectionCall<T>(work: () => Promise<T>): Promise<T | null> {
  setSlice('scripts', { busy: true, sectionError: null });
  try {
    const result = await work();
    setSlice('scripts', { busy: false });
    return result;
  } catch (e) {
    setSlice('scripts', { busy: false, sectionError: toErrorData(e) });
    return null;
  }
}

/** Saves an auto-responder rule; the list follows through `responders.changed`. */
export async function saveResponder(args: z.input<typeof SaveResponderArgsSchema>): Promise<boolean> {
  return (await sectionCall(() => core.invoke('responders.save', args))) !== null;
}

export async function setResponderEnabled(id: string, enabled: boolean): Promise<void> {
  await sectionCall(() => core.invoke('responders.setEnabled', { id, enabled }));
}

export async function deleteResponder(id: string): Promise<void> {
  await sectionCall(() => core.invoke('responders.delete', { id }));
}

/** Asks for the running simulations and their rates (no event carries them: the section polls while shown). */
export async function refreshSimulations(): Promise<void> {
  try {
    setSlice('scripts', { simulations: await core.invoke('simulations.list', {}) });
  } catch (e) {
    setSlice('scripts', { sectionError: toErrorData(e) });
  }
}

/** What the simulations form holds: the core checks it and says what is wrong in a sentence. */
export type SimulationDraft = z.input<typeof SaveSimulationArgsSchema>;

/** Saves a simulation (the same set-up saved again is the one already saved); answers it, or null after showing why not. */
export async function saveSimulation(draft: SimulationDraft): Promise<SavedSimulation | null> {
  return sectionCall(() => core.invoke('simulations.save', draft));
}

/** Saves the set-up (so it is there after a restart) and starts it. */
export async function startSimulation(draft: SimulationDraft): Promise<void> {
  const saved = await saveSimulation(draft);
  if (saved) await startSavedSimulation(saved.id);
}

export async function startSavedSimulation(id: string): Promise<void> {
  const started = await sectionCall(() => core.invoke('simulations.startSaved', { id }));
  if (started) await refreshSimulations();
}

/** Forgets a saved simulation (stopping it if it runs). */
export async function deleteSavedSimulation(id: string): Promise<void> {
  await sectionCall(() => core.invoke('simulations.delete', { id }));
  await refreshSimulations();
}

export async function stopSimulation(id: string): Promise<void> {
  await sectionCall(() => core.invoke('simulations.stop', { id }));
  await refreshSimulations();
}
