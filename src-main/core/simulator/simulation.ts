import { liveContext, parseTemplate, renderTemplate, type Template } from '../../../shared/publish/template';
import { checkTopicName } from '../../../shared/mqtt/topic-rules';
import type { ScriptHandle, ScriptSandbox } from '../scripts/script-sandbox';
import type { ScriptMessage } from '../scripts/script-types';
import { createScenario, listScenarios, type ScenarioRun } from './scenarios';
import type { DeviceConnector, DeviceIdentity, DeviceLink, DeviceMessage, SimulationSource, SimulationSpec } from './simulation-types';
import type { SimulationStatus } from '../../../shared/ipc/simulations';

const encoder = new TextEncoder();
const LATENESS_SAMPLES = 10_000;
const RATE_WINDOW_S = 5;
const CONNECT_CONCURRENCY = 50;
export const MAX_DEVICES = 10_000;

/** Why a simulation cannot start, in a sentence the user can act on. */
export class SimulationError extends Error {}

interface Device {
  readonly identity: DeviceIdentity;
  link: DeviceLink | null;
  tick: number;
}

/** One device's tick that is due, with its number taken when it fell due. */
interface DueTick {
  readonly identity: DeviceIdentity;
  readonly tick: number;
}

/** What one source computes per tick, for a batch of due ticks (one device may have several when the timer ran late). */
type Producer = (due: readonly DueTick[], now: number) => Promise<readonly (readonly DeviceMessage[])[]>;

/**
 * N simulated devices, each its own MQTT connection (client id and will), publishing on a shared
 * schedule what a built-in scenario, a sandboxed script or a template computes. Devices are spread
 * evenly over the period, so 1,000 devices at 1/s make one message a millisecond, not a burst a second;
 * one timer serves them all, and each tick's lateness (start time minus scheduled time) is kept.
 */
export class Simulation {
  private state: SimulationStatus['state'] = 'starting';
  private devices: Device[] = [];
  private script: ScriptHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  private published = 0;
  private failed = 0;
  private lastError: string | null = null;
  private readonly lateness = new Float64Array(LATENESS_SAMPLES);
  private latenessCount = 0;
  private readonly buckets = new Float64Array(RATE_WINDOW_S + 1);
  private bucketSecond = 0;
  private slot = 0;
  /** The batch being computed; the next one hands over after it. */
  private inFlight: Promise<void> = Promise.resolve();
  private startedAt = 0;
  private readonly intervalMs: number;

  private constructor(
    readonly spec: SimulationSpec,
    private readonly connector: DeviceConnector,
    private readonly producer: Producer,
    private readonly scenario: ScenarioRun | undefined,
  ) {
    this.intervalMs = 1000 / (spec.perSecond ?? 1) / spec.devices;
  }

  /** Checks the spec, loads its script, connects every device, sends births, and starts the schedule. */
  static async start(spec: SimulationSpec, options: { readonly connector: DeviceConnector; readonly sandbox?: ScriptSandbox }): Promise<Simulation> {
    if (!Number.isInteger(spec.devices) || spec.devices < 1 || spec.devices > MAX_DEVICES) throw new SimulationError(`The number of devices must be a whole number from 1 to ${MAX_DEVICES}, not ${spec.devices}.`);
    const perSecond = spec.perSecond ?? 1;
    if (!(perSecond > 0 && perSecond <= 100)) throw new SimulationError(`Each device's rate must be above 0 and at most 100 per second, not ${perSecond}.`);
    const prefix = spec.prefix ?? 'device';
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(prefix)) throw new SimulationError('The device name prefix may hold only letters, digits, "_", "-" and "." (1 to 40).');
    const qos = spec.qos ?? 0;
    const ownWill = spec.will;
    if (ownWill !== undefined) {
      if (spec.source.kind === 'scenario') throw new SimulationError(`The scenario "${spec.source.name}" brings its own will; a will of your own is for template and script simulations.`);
      const check = checkTopicName(ownWill.topic.replaceAll('{device}', 'device-1'));
      if (!check.ok) throw new SimulationError(`The will's topic "${ownWill.topic}": ${check.message}`);
    }
    let scenario: ScenarioRun | undefined;
    let producer: Producer;
    let script: ScriptHandle | undefined;
    const source = spec.source;
    switch (source.kind) {
      case 'scenario': {
        scenario = createScenario(source.name);
        if (scenario === undefined) throw new SimulationError(`There is no scenario "${source.name}"; the scenarios are ${listScenarios().map((s) => s.name).join(', ')}.`);
        const run = scenario;
        producer = async (due, now) => due.map((d) => run.tick(d.identity, d.tick, now));
        break;
      }
      case 'template': {
        checkTopicPattern(source.topic);
        const templates = new Map<number, { topic: string; payload: Template }>();
        const parsed = parseTemplate(source.payload);
        if (!parsed.ok) throw new SimulationError(`The payload template: ${parsed.message}`);
        producer = async (due) =>
          due.map((d) => {
            let t = templates.get(d.identity.index);
            if (t === undefined) {
              const own = parseTemplate(source.payload.replaceAll('{device}', d.identity.name));
              t = { topic: source.topic.replaceAll('{device}', d.identity.name), payload: own.ok ? own.template : parsed.template };
              templates.set(d.identity.index, t);
            }
            return [{ topic: t.topic, payload: encoder.encode(renderTemplate(t.payload, liveContext(d.tick))), qos }];
          });
        break;
      }
      case 'script': {
        checkTopicPattern(source.topic);
        if (options.sandbox === undefined) throw new SimulationError('A script simulation needs the script sandbox.');
        const loaded = await options.sandbox.load({ name: 'simulation', source: source.source });
        if (!loaded.ok) throw new SimulationError(`The script: ${loaded.error.message}`);
        script = loaded.script;
        const handle = loaded.script;
        producer = async (due, now) => {
          const messages: ScriptMessage[] = due.map((d) => ({
            topic: source.topic.replaceAll('{device}', d.identity.name),
            payload: encoder.encode(JSON.stringify({ device: d.identity.name, index: d.identity.index, tick: d.tick, clientId: d.identity.clientId, time: now })),
            qos,
            retain: false,
          }));
          const outcomes = await handle.runBatch(messages);
          return outcomes.map((outcome, i) => {
            if (!outcome.ok) throw new SimulationError(`The script (device ${due[i]!.identity.name}): ${outcome.error.message}`);
            return toMessages(outcome.value, messages[i]!.topic, qos);
          });
        };
        break;
      }
    }
    const simulation = new Simulation({ ...spec, perSecond, prefix }, options.connector, producer, scenario);
    simulation.script = script;
    simulation.devices = Array.from({ length: spec.devices }, (_, index) => {
      const name = `${prefix}-${index + 1}`;
      const base: DeviceIdentity = { index, name, clientId: `topiary-sim-${name}` };
      const will =
        scenario?.will(base) ??
        (ownWill === undefined
          ? undefined
          : { topic: ownWill.topic.replaceAll('{device}', name), payload: encoder.encode(ownWill.payload.replaceAll('{device}', name)), qos: ownWill.qos ?? 0, retain: ownWill.retain ?? false });
      return { identity: will === undefined ? base : { ...base, will }, link: null, tick: 0 };
    });
    try {
      await simulation.connectAll();
    } catch (error) {
      await simulation.stop();
      throw error;
    }
    simulation.state = 'running';
    simulation.startedAt = performance.now();
    simulation.schedule();
    return simulation;
  }

  status(): SimulationStatus {
    const perSecond = this.rate();
    return {
      state: this.state,
      devices: this.devices.length,
      connected: this.devices.filter((d) => d.link !== null).length,
      published: this.published,
      failed: this.failed,
      perSecond,
      perDevicePerSecond: this.devices.length === 0 ? 0 : perSecond / this.devices.length,
      lateP99Ms: this.lateP99(),
      lastError: this.lastError,
    };
  }

  /** Drops one device's connection abruptly (its will goes out); it publishes no more. */
  dropDevice(index: number): boolean {
    const device = this.devices[index];
    if (device?.link == null) return false;
    device.link.drop();
    device.link = null;
    return true;
  }

  /** Stops the schedule and disconnects every device cleanly (no wills). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.state !== 'failed') this.state = 'stopped';
    await this.inFlight;
    const links = this.devices.map((d) => d.link);
    for (const d of this.devices) d.link = null;
    await Promise.all(links.map((l) => l?.end().catch(() => undefined)));
    await this.script?.unload();
    this.script = undefined;
  }

  private async connectAll(): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.devices.length) {
        const device = this.devices[next++]!;
        device.link = await this.connector(device.identity);
        for (const birth of this.scenario?.birth(device.identity, Date.now()) ?? []) await device.link.publish(birth);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, this.devices.length) }, worker));
  }

  private schedule(): void {
    if (this.state !== 'running') return;
    const dueAt = this.startedAt + this.slot * this.intervalMs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, dueAt - performance.now()));
  }

  /**
   * Runs every slot that is due as one batch (one crossing to the sandbox for a script). The next timer
   * is set at once, so a batch waiting on the sandbox does not hold up the schedule; batches still hand
   * their messages over in order. Lateness is measured when a message is handed to its device's
   * connection, so it includes the time spent computing it.
   */
  private fire(): void {
    const now = performance.now();
    const due: Device[] = [];
    // The tick's number now: a device due twice in one batch (a late timer) must not send its latest number twice.
    const ticks: DueTick[] = [];
    const dueAt: number[] = [];
    while (this.startedAt + this.slot * this.intervalMs <= now) {
      const device = this.devices[this.slot % this.devices.length]!;
      const at = this.startedAt + this.slot * this.intervalMs;
      this.slot++;
      if (device.link === null) continue;
      device.tick++;
      due.push(device);
      ticks.push({ identity: device.identity, tick: device.tick });
      dueAt.push(at);
    }
    const computed = due.length === 0 ? Promise.resolve([]) : this.producer(ticks, Date.now());
    this.inFlight = Promise.all([computed, this.inFlight]).then(
      ([messages]) => this.handOver(due, dueAt, messages),
      (error: unknown) => this.fail(error),
    );
    this.schedule();
  }

  private handOver(due: readonly Device[], dueAt: readonly number[], computed: readonly (readonly DeviceMessage[])[]): void {
    const now = performance.now();
    computed.forEach((messages, i) => {
      const link = due[i]!.link;
      if (link === null) return;
      this.recordLateness(now - dueAt[i]!);
      for (const m of messages) {
        link.publish(m).then(
          () => this.count(),
          (error: unknown) => this.fail(error),
        );
      }
    });
  }

  private count(): void {
    this.published++;
    this.bucket()[0]++;
  }

  private fail(error: unknown): void {
    this.failed++;
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  /** The per-second buckets, rotated to this second; [0] is the current one. */
  private bucket(): { 0: number } & Float64Array {
    const second = Math.floor(performance.now() / 1000);
    const shift = Math.min(this.buckets.length, second - this.bucketSecond);
    if (shift > 0) {
      this.buckets.copyWithin(shift, 0, this.buckets.length - shift);
      this.buckets.fill(0, 0, shift);
      this.bucketSecond = second;
    }
    return this.buckets as { 0: number } & Float64Array;
  }

  /** Messages per second over the last full seconds (up to five). */
  private rate(): number {
    const buckets = this.bucket();
    const seconds = Math.min(RATE_WINDOW_S, Math.floor((performance.now() - this.startedAt) / 1000));
    if (seconds < 1) return buckets[0] ?? 0;
    let sum = 0;
    for (let i = 1; i <= seconds; i++) sum += buckets[i]!;
    return sum / seconds;
  }

  private recordLateness(ms: number): void {
    this.lateness[this.latenessCount % LATENESS_SAMPLES] = ms;
    this.latenessCount++;
  }

  private lateP99(): number {
    const n = Math.min(this.latenessCount, LATENESS_SAMPLES);
    if (n === 0) return 0;
    const sorted = this.lateness.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor(n * 0.99))]!;
  }
}

/**
 * What is wrong with a source (and its will) that can be told without connecting or running it (a scenario that does not exist, a topic
 * devices cannot publish to, a template that does not parse), in the sentence `Simulation.start` would give; a script's
 * syntax is the sandbox's to judge.
 */
export function sourceProblem(source: SimulationSource, will?: SimulationSpec['will']): string | undefined {
  if (will !== undefined && source.kind === 'scenario') return `The scenario "${source.name}" brings its own will; a will of your own is for template and script simulations.`;
  try {
    switch (source.kind) {
      case 'scenario':
        if (createScenario(source.name) === undefined) return `There is no scenario "${source.name}"; the scenarios are ${listScenarios().map((s) => s.name).join(', ')}.`;
        return undefined;
      case 'template': {
        checkTopicPattern(source.topic);
        const parsed = parseTemplate(source.payload);
        return parsed.ok ? undefined : `The payload template: ${parsed.message}`;
      }
      case 'script':
        checkTopicPattern(source.topic);
        return undefined;
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function checkTopicPattern(topic: string): void {
  const check = checkTopicName(topic.replaceAll('{device}', 'device-1'));
  if (!check.ok) throw new SimulationError(`The topic "${topic}": ${check.message}`);
}

/** A script's result as messages: a payload, `{ topic, payload }`, or an array of those. */
function toMessages(value: unknown, topic: string, qos: 0 | 1 | 2): DeviceMessage[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => toMessages(v, topic, qos));
  if (typeof value === 'object' && typeof (value as { topic?: unknown }).topic === 'string' && 'payload' in value) {
    const v = value as { topic: string; payload: unknown };
    const check = checkTopicName(v.topic);
    if (!check.ok) throw new SimulationError(`The script returned the topic "${v.topic}": ${check.message}`);
    return [{ topic: v.topic, payload: toBytes(v.payload), qos }];
  }
  return [{ topic, payload: toBytes(value), qos }];
}

function toBytes(value: unknown): Uint8Array {
  if (typeof value === 'string') return encoder.encode(value);
  // The sandbox hands bytes back as { $bytes: "hex", length }.
  if (typeof value === 'object' && value !== null && typeof (value as { $bytes?: unknown }).$bytes === 'string') return Uint8Array.from(Buffer.from((value as { $bytes: string }).$bytes, 'hex'));
  return encoder.encode(JSON.stringify(value));
}
