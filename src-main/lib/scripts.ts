/**
 * Scripts from the library: a sandboxed script run on messages (a decoder or any computation), auto-responders on a
 * connection, and simulated devices. The same sandbox (QuickJS in a worker thread), responders and simulator the app
 * and the `topiary respond` / `topiary simulate` commands run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MessageView } from '../../shared/ipc/common';
import { TopiaryError } from '../../shared/ipc/errors';
import type { SimulationStatus } from '../../shared/ipc/simulations';
import { AutoResponders, type ResponderCounters, type ResponderRule } from '../core/responders/auto-responders';
import { toScriptMessage } from '../core/scripts/script-message';
import { ScriptSandbox, type ScriptHandle } from '../core/scripts/script-sandbox';
import type { ScriptError, ScriptLimits, ScriptLogLine, ScriptMessage, ScriptPublish } from '../core/scripts/script-types';
import { mqttDeviceConnector } from '../core/simulator/mqtt-device-link';
import { Simulation, SimulationError } from '../core/simulator/simulation';
import type { DeviceIdentity, SimulationSpec } from '../core/simulator/simulation-types';
import type { TopiaryClient } from './client';

export type { ResponderCounters, ResponderRule } from '../core/responders/auto-responders';
export type { ScriptError, ScriptLimits, ScriptLogLine, ScriptMessage, ScriptPublish } from '../core/scripts/script-types';
export type { SimulationSource, SimulationSpec } from '../core/simulator/simulation-types';
export type { SimulationStatus } from '../../shared/ipc/simulations';
export { listScenarios } from '../core/simulator/scenarios';

export interface SandboxOptions {
  /** The built sandbox worker; by default script-worker.cjs beside the library (dist/lib) or the app (dist/main). */
  readonly workerFile?: string;
}

/** The sandbox's worker beside the bundled library or command (dist/lib), or the app's build (dist/main). */
export function defaultScriptWorkerFile(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const found = [path.join(here, 'script-worker.cjs'), path.join(here, '../main/script-worker.cjs')].find((f) => existsSync(f));
  if (found === undefined) throw new TopiaryError('NOT_AVAILABLE', `The script sandbox (script-worker.cjs) is missing beside the library in ${here}; rebuild with "node scripts/build.mjs lib" or pass workerFile.`);
  return found;
}

function newSandbox(options: SandboxOptions): ScriptSandbox {
  return new ScriptSandbox({ workerFile: options.workerFile ?? defaultScriptWorkerFile() });
}

/** A script's failure as the library's error: its sentence (with line and column), the kind and position in details. */
function scriptFailure(error: ScriptError): TopiaryError {
  return new TopiaryError('VALIDATION_ERROR', error.message, { kind: error.kind, ...(error.line === undefined ? {} : { line: error.line }), ...(error.column === undefined ? {} : { column: error.column }) });
}

export interface ScriptOptions extends SandboxOptions {
  /** Shown in errors and logs; default "script". */
  readonly name?: string;
  /** Memory, CPU-time budget per call (default 50 ms; wall-clock time without /proc) and the other limits. */
  readonly limits?: Partial<ScriptLimits>;
  /** Topic filters the script may publish to and how fast; without it `publish(...)` is refused. */
  readonly publish?: { readonly allow: readonly string[]; readonly perSecond: number; readonly burst?: number };
}

/** What one call of a script gave: its returned value, what it logged, and what it asked to publish (not sent). */
export interface ScriptResult {
  readonly value: unknown;
  readonly logs: readonly ScriptLogLine[];
  readonly publishes: readonly ScriptPublish[];
  readonly micros: number;
}

/** A message to run a script on: a received message's fields, the payload as bytes or text. */
export interface ScriptInput {
  readonly topic: string;
  readonly payload: Uint8Array | string;
  readonly qos?: 0 | 1 | 2;
  readonly retain?: boolean;
  readonly properties?: ScriptMessage['properties'];
}

function asScriptMessage(message: MessageView | ScriptInput): ScriptMessage {
  const base = {
    topic: message.topic,
    payload: typeof message.payload === 'string' ? Buffer.from(message.payload, 'utf8') : message.payload,
    qos: message.qos ?? 0,
    retain: message.retain ?? false,
  };
  const user = message.properties?.userProperties;
  // User properties given by name (as scripts read them) are taken as they are; a received message's [name, value]
  // pairs, and its other properties, are read the way the app hands them to its scripts.
  if (user !== undefined && !Array.isArray(user)) return { ...base, properties: message.properties as ScriptMessage['properties'] };
  return toScriptMessage({ ...(message as MessageView), ...base });
}

/** A loaded script: its source is the body of a function called with `msg` (the app's decoder and transform API). */
export class SandboxedScript {
  private constructor(
    private readonly sandbox: ScriptSandbox,
    private readonly handle: ScriptHandle,
  ) {}

  /** Compiles a script in its own sandbox; rejects with its syntax error (line and column) if it does not compile. */
  static async load(source: string, options: ScriptOptions = {}): Promise<SandboxedScript> {
    const sandbox = newSandbox(options);
    try {
      const loaded = await sandbox.load({ name: options.name ?? 'script', source, ...(options.limits ? { limits: options.limits } : {}), ...(options.publish ? { publish: options.publish } : {}) });
      if (!loaded.ok) throw scriptFailure(loaded.error);
      return new SandboxedScript(sandbox, loaded.script);
    } catch (error) {
      await sandbox.close();
      throw error;
    }
  }

  /** Runs the script on a received message (or any topic and payload); rejects with its error, the state kept. */
  async run(message: MessageView | ScriptInput): Promise<ScriptResult> {
    const outcome = await this.handle.run(asScriptMessage(message));
    if (!outcome.ok) throw scriptFailure(outcome.error);
    return { value: outcome.value, logs: outcome.logs, publishes: outcome.publishes, micros: outcome.micros };
  }

  /** Ends the script's sandbox (its worker thread). */
  close(): Promise<void> {
    return this.sandbox.close();
  }
}

/** Loads a sandboxed script: `const s = await loadScript('return msg.json().t'); (await s.run(message)).value`. */
export function loadScript(source: string, options: ScriptOptions = {}): Promise<SandboxedScript> {
  return SandboxedScript.load(source, options);
}

export interface RespondOptions extends SandboxOptions {
  /** Told of each response sent, after the broker took it. */
  readonly onResponse?: (response: ScriptPublish) => void;
  /** Told when a response could not be sent. */
  readonly onError?: (error: Error) => void;
}

/** Auto-responders answering on a connection until closed. */
export interface Responders {
  /** What each rule did: matched, responded, declined, rate-limited, failed. */
  counters(): readonly ResponderCounters[];
  /** Switches a rule on or off; false if there is no such rule. */
  setEnabled(id: string, enabled: boolean): boolean;
  /** Stops answering (the connection stays open and subscribed). */
  close(): Promise<void>;
}

/**
 * Answers messages on `client` by rules: when a message matches a rule's filter (and its predicate script), publish the
 * rule's response (a template or a script) to its fixed topic or the request's MQTT 5 response topic, with the request's
 * correlation data. Subscribes the client to the enabled rules' filters. Rejects, naming the rule, if a rule is wrong.
 */
export async function respond(client: TopiaryClient, rules: readonly ResponderRule[], options: RespondOptions = {}): Promise<Responders> {
  if (rules.length === 0) throw new TopiaryError('VALIDATION_ERROR', 'Give at least one rule to answer with.');
  const sandbox = newSandbox(options);
  const responders = new AutoResponders({
    sandbox,
    publish: async (p) => {
      await client.publish(p.topic, p.payload, {
        qos: p.qos,
        retain: p.retain,
        properties: {
          ...(p.properties?.contentType === undefined ? {} : { contentType: p.properties.contentType }),
          ...(p.properties?.correlationData === undefined ? {} : { correlationData: p.properties.correlationData }),
        },
      });
      options.onResponse?.(p);
    },
  });
  const onMessage = (m: MessageView): void => void responders.handle(toScriptMessage(m)).catch((error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error))));
  try {
    const problems = await responders.set(rules);
    if (problems.length > 0) {
      const p = problems[0]!;
      throw new TopiaryError('VALIDATION_ERROR', `Rule ${JSON.stringify(p.id)}: ${p.message}`, { problems });
    }
    client.on('message', onMessage);
    const filters = [...new Set(rules.filter((r) => r.enabled !== false).map((r) => r.filter))];
    if (filters.length > 0) await client.subscribe(filters, { qos: 1 });
  } catch (error) {
    client.off('message', onMessage);
    await responders.close();
    await sandbox.close();
    throw error;
  }
  return {
    counters: () => responders.counters(),
    setEnabled: (id, enabled) => responders.setEnabled(id, enabled),
    close: async () => {
      client.off('message', onMessage);
      await responders.close();
      await sandbox.close();
    },
  };
}

export interface SimulateOptions extends SimulationSpec, SandboxOptions {
  /** The broker: mqtt://, mqtts://, ws:// or wss://. Each device is its own connection. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** 4 (MQTT 3.1.1) or 5; default 5. */
  readonly protocolVersion?: 4 | 5;
  /** Told of a device's connection errors after it connected (it reconnects by itself). */
  readonly onError?: (device: DeviceIdentity, error: Error) => void;
}

/** Simulated devices publishing until stopped. */
export interface RunningSimulation {
  /** Devices connected, messages per second, published, failed and the schedule's p99 lateness. */
  status(): SimulationStatus;
  /** Ends every device's connection (sending no will: a clean disconnect). */
  stop(): Promise<void>;
}

/**
 * Starts N simulated devices, each its own MQTT connection (client id `topiary-sim-PREFIX-N`, with its will), publishing
 * what a built-in scenario, a sandboxed script or a template computes on a schedule. Resolves once they connected.
 */
export async function simulate(options: SimulateOptions): Promise<RunningSimulation> {
  const { url, username, password, protocolVersion, onError, workerFile, ...spec } = options;
  const sandbox = spec.source.kind === 'script' ? newSandbox(workerFile === undefined ? {} : { workerFile }) : undefined;
  let simulation: Simulation;
  try {
    simulation = await Simulation.start(spec, {
      connector: mqttDeviceConnector({
        url,
        ...(protocolVersion === undefined ? {} : { protocolVersion }),
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        ...(onError === undefined ? {} : { onError }),
      }),
      ...(sandbox === undefined ? {} : { sandbox }),
    });
  } catch (error) {
    await sandbox?.close();
    if (error instanceof TopiaryError) throw error;
    if (error instanceof SimulationError) throw new TopiaryError('VALIDATION_ERROR', error.message);
    throw new TopiaryError('CONNECTION_FAILED', error instanceof Error ? error.message : String(error));
  }
  return {
    status: () => simulation.status(),
    stop: async () => {
      await simulation.stop();
      await sandbox?.close();
    },
  };
}
