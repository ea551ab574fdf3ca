import { z } from 'zod';
import { checkTopicName } from '../mqtt/topic-rules';
import type { Deleted } from './common';
import { issueCode, request } from './define';

const SCRIPT_MAX = 200_000;

/** A topic for every device: `{device}` becomes the device's name, and the result must be a topic to publish to. */
const DeviceTopicSchema = z
  .string({ message: 'A topic is required.' })
  .min(1, 'Give the topic the devices publish to ({device} is the device\'s name).')
  .max(65_535)
  .superRefine((topic, ctx) => {
    const check = checkTopicName(topic.replaceAll('{device}', 'device-1'));
    if (!check.ok) ctx.addIssue({ code: 'custom', message: `The topic "${topic.slice(0, 200)}": ${check.message ?? 'not a topic to publish to.'}`, ...issueCode('TOPIC_ERROR') });
  });

/** What simulated devices publish: a built-in scenario, a template with the composer's placeholders, or a sandboxed script. */
export const SimulationSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('scenario'), name: z.string().min(1, 'Name the scenario the devices run.').max(100) }).strict(),
  z
    .object({
      kind: z.literal('template'),
      /** `{device}` is the device's name. */
      topic: DeviceTopicSchema,
      payload: z.string().max(1_000_000),
    })
    .strict(),
  z
    .object({
      kind: z.literal('script'),
      /** The script's default topic (`msg.topic`); `{device}` is the device's name. */
      topic: DeviceTopicSchema,
      /** Called once per device and tick with `msg.json()` = `{ device, index, tick, clientId, time }`. */
      source: z.string().max(SCRIPT_MAX, `A script holds at most ${SCRIPT_MAX.toLocaleString('en')} characters.`),
    })
    .strict(),
]);
export type SimulationSourceArg = z.output<typeof SimulationSourceSchema>;

/** What the broker publishes for a device that vanishes (a template or script simulation's; a scenario brings its own). */
export const SimulationWillSchema = z
  .object({
    /** `{device}` is the device's name. */
    topic: DeviceTopicSchema,
    /** `{device}` is the device's name. */
    payload: z.string().max(65_535, 'A will holds at most 65,535 characters.').default(''),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)], { message: 'QoS must be 0, 1 or 2.' }).default(0),
    retain: z.boolean().default(false),
  })
  .strict();

/** Devices one simulation started from the window may have: each is its own connection in the app's process. */
export const MAX_WINDOW_DEVICES = 2_000;

/** Everything that defines a simulation: where the devices connect, what they publish, how many and how often. */
export const SimulationDefinitionSchema = z
  .object({
    /** The broker the devices connect to (each its own connection); the embedded broker's when absent. */
    url: z.string().min(1).max(2000).optional(),
    source: SimulationSourceSchema,
    /** The window's limit; the library and `topiary simulate` take up to 10,000. */
    devices: z
      .number()
      .int()
      .min(1, 'Start at least one simulated device.')
      .max(MAX_WINDOW_DEVICES, `The window starts at most ${MAX_WINDOW_DEVICES.toLocaleString('en')} simulated devices at once; for more, use \`topiary simulate\` (up to 10,000).`),
    /** Messages per second of each device. */
    perSecond: z.number({ message: 'The rate is a number of messages per second of each device.' }).positive('Each device must publish more than 0 times a second.').max(100, 'Each device publishes at most 100 messages a second.').default(1),
    prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'A device name prefix holds only letters, digits, "_", "-" and "." (1 to 40).').default('device'),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)], { message: 'QoS must be 0, 1 or 2.' }).default(0),
    /** Each device's will, for a template or script simulation. */
    will: SimulationWillSchema.optional(),
  })
  .strict();

export const StartSimulationArgsSchema = SimulationDefinitionSchema;
export type SimulationDefinition = z.output<typeof SimulationDefinitionSchema>;

export const SimulationIdSchema = z.string().min(1).max(100);
export const SavedSimulationIdSchema = z.string().min(1).max(100);

/**
 * A simulation the user keeps (in the user-data folder, and in the profiles export with `includeScripts`).
 * Saved simulations never start by themselves: not when the app starts, not when a file is imported.
 */
/** A broker URL kept in a file: saved simulations are stored and exported in plain text, so no password may ride in it. */
const SavedUrlSchema = z
  .string()
  .min(1)
  .max(2000)
  .refine((url) => !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url), {
    message: 'A saved simulation keeps its broker URL in plain text (and the profiles export carries it): take the password out of the URL.',
  });

export const SaveSimulationArgsSchema = SimulationDefinitionSchema.extend({
  url: SavedUrlSchema.optional(),
  /** Replaces this saved simulation; absent adds one. */
  id: SavedSimulationIdSchema.optional(),
  /** Unique among the saved ones; absent, the core names it after what it publishes ("gps × 10"). */
  name: z.string().trim().min(1, 'Give the simulation a name.').max(200, 'A simulation name holds at most 200 characters.').optional(),
}).strict();

/** A saved simulation as stored, listed and exported. */
export interface SavedSimulation extends SimulationDefinition {
  readonly id: string;
  readonly name: string;
}

export interface ScenarioInfo {
  readonly name: string;
  readonly description: string;
}

/** Where a simulation is, for the UI and the CLI. */
export interface SimulationStatus {
  readonly state: 'starting' | 'running' | 'stopped' | 'failed';
  readonly devices: number;
  /** Devices connected now. */
  readonly connected: number;
  readonly published: number;
  readonly failed: number;
  /** Messages per second over the last few seconds, all devices together. */
  readonly perSecond: number;
  /** The same, per device (the mean). */
  readonly perDevicePerSecond: number;
  /** How late ticks were handed to their connections (computed, ready to send), in ms: the 99th percentile of the last 10,000. */
  readonly lateP99Ms: number;
  readonly lastError: string | null;
}

/** One running (or stopped) simulation and its rates. */
export interface SimulationInfo extends SimulationStatus {
  readonly id: string;
  readonly url: string;
  readonly source: SimulationSourceArg;
  /** The saved simulation it was started from, if any. */
  readonly savedId: string | null;
  readonly name: string | null;
}

export const simulationsRequests = {
  'simulations.listScenarios': request<readonly ScenarioInfo[]>()(z.object({}).strict()),
  'simulations.list': request<readonly SimulationInfo[]>()(z.object({}).strict()),
  /** Connects every device, then answers the running simulation. */
  'simulations.start': request<SimulationInfo>()(StartSimulationArgsSchema),
  /** Stops a simulation (its devices disconnect cleanly, no wills) and forgets it; answers its final figures. */
  'simulations.stop': request<SimulationInfo>()(z.object({ id: SimulationIdSchema }).strict()),
  /** The saved simulations, in the order they were saved; which of them run is in `simulations.list` (`savedId`). */
  'simulations.listSaved': request<readonly SavedSimulation[]>()(z.object({}).strict()),
  /**
   * Saves a simulation (new when `id` is absent) and answers it as stored. A new one identical to a saved one (all but
   * the name) answers that one instead of adding it twice.
   */
  'simulations.save': request<SavedSimulation>()(SaveSimulationArgsSchema),
  /** Forgets a saved simulation; a running one is stopped first. */
  'simulations.delete': request<Deleted>()(z.object({ id: SavedSimulationIdSchema }).strict()),
  /** Starts a saved simulation (once: a second start while it runs is refused with a sentence). */
  'simulations.startSaved': request<SimulationInfo>()(z.object({ id: SavedSimulationIdSchema }).strict()),
} as const;

export interface SimulationsEvents {
  /** The saved simulations changed (saved, deleted, imported), from any window. */
  readonly 'simulations.savedChanged': readonly SavedSimulation[];
}

export type SimulationsMethod = keyof typeof simulationsRequests;
