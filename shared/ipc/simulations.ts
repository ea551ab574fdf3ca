import { z } from 'zod';
import { request } from './define';

/** What simulated devices publish: a built-in scenario, or a template with the composer's placeholders. */
export const SimulationSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('scenario'), name: z.string().min(1).max(100) }).strict(),
  z
    .object({
      kind: z.literal('template'),
      /** `{device}` is the device's name. */
      topic: z.string().min(1).max(65_535),
      payload: z.string().max(1_000_000),
    })
    .strict(),
]);

/** Devices one simulation started from the window may have: each is its own connection in the app's process. */
export const MAX_WINDOW_DEVICES = 2_000;

export const StartSimulationArgsSchema = z
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
    perSecond: z.number().positive().max(100).default(1),
    prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'A device name prefix holds only letters, digits, "_", "-" and "." (1 to 40).').default('device'),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
  })
  .strict();

export const SimulationIdSchema = z.string().min(1).max(100);

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
  readonly source: z.output<typeof SimulationSourceSchema>;
}

export const simulationsRequests = {
  'simulations.listScenarios': request<readonly ScenarioInfo[]>()(z.object({}).strict()),
  'simulations.list': request<readonly SimulationInfo[]>()(z.object({}).strict()),
  /** Connects every device, then answers the running simulation. */
  'simulations.start': request<SimulationInfo>()(StartSimulationArgsSchema),
  /** Stops a simulation (its devices disconnect cleanly, no wills) and forgets it; answers its final figures. */
  'simulations.stop': request<SimulationInfo>()(z.object({ id: SimulationIdSchema }).strict()),
} as const;

export type SimulationsMethod = keyof typeof simulationsRequests;
