import { readFileSync } from 'node:fs';
import { TopiaryError } from '../../shared/ipc/errors';
import { listScenarios } from '../core/simulator/scenarios';
import { MAX_DEVICES } from '../core/simulator/simulation';
import { simulate, type RunningSimulation } from '../lib/scripts';
import type { SimulationSource } from '../core/simulator/simulation-types';
import type { SimulationStatus } from '../../shared/ipc/simulations';
import { intFlag, parseFlags, qosFlag, UsageError, type Command } from './cli-io';
import { readSavedSimulation } from './saved-simulation-file';

const FLAGS = {
  url: { type: 'string', short: 'u' },
  'mqtt-version': { type: 'string', short: 'V' },
  user: { type: 'string' },
  password: { type: 'string' },
  scenario: { type: 'string', short: 's' },
  script: { type: 'string' },
  template: { type: 'string', short: 'm' },
  'profile-file': { type: 'string' },
  name: { type: 'string' },
  topic: { type: 'string', short: 't' },
  devices: { type: 'string', short: 'n' },
  rate: { type: 'string', short: 'r' },
  prefix: { type: 'string' },
  qos: { type: 'string', short: 'q' },
  timeout: { type: 'string' },
  every: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `Usage: topiary simulate (--scenario NAME | --script FILE | --template TEXT | --profile-file FILE [--name NAME]) [options]

Runs simulated devices until Ctrl-C or --timeout: each device is its own MQTT connection (client id
topiary-sim-PREFIX-N, with a will where the scenario has one) and publishes on a schedule spread evenly
over the period. Prints the rate and lateness every few seconds, and a summary at the end.

  -s, --scenario NAME     a built-in scenario:
${listScenarios().map((s) => `                            ${s.name}: ${s.description}`).join('\n')}
      --script FILE       a script run in the sandbox (QuickJS) per device and tick; msg.json() is
                          { device, index, tick, clientId, time }; it returns the payload (text, bytes or
                          JSON), { topic, payload }, or an array of them; state is shared (key it by device)
  -m, --template TEXT     a payload with the composer's placeholders ({{counter}}, {{randomInt 1 9}} …)
      --profile-file FILE a simulation saved in the app, from its profiles export (Connections → Export);
                          the flags below replace what it saved (its broker, devices, rate, prefix, QoS)
      --name NAME         which saved simulation of the file (needed when it has more than one)
  -t, --topic TOPIC       the topic for --script and --template; {device} is the device's name (default sim/{device}/data)
  -n, --devices N         how many devices (default 1, at most ${MAX_DEVICES})
  -r, --rate R            messages per second of each device, e.g. 0.2 or 5 (default 1)
      --prefix NAME       device names NAME-1, NAME-2 … (default device)
  -q, --qos Q             0, 1 or 2 for --script and --template (default 0)
      --every S           print the rates every S seconds (default 5; 0 for never)
      --timeout S         stop after S seconds

Connection:
  -u, --url URL           mqtt:// or ws:// (default mqtt://127.0.0.1:1883)
  -V, --mqtt-version V    3.1.1 or 5 (default 5)
      --user NAME         user name
      --password SECRET   password (or the TOPIARY_PASSWORD environment variable)

Examples:
  topiary simulate --scenario sparkplug --devices 10 --rate 1
  topiary simulate --script device.js --devices 100 --rate 0.5 -t 'plant/{device}/state'
  topiary simulate -m '{"t": {{randomFloat 18 25 1}}}' -t 'lab/{device}/temp' -n 5
  topiary simulate --profile-file topiary-profiles.json --name 'Line 1 meters' --timeout 60
`;

function describe(status: SimulationStatus): string {
  return `${status.connected}/${status.devices} devices, ${status.perSecond.toFixed(1)} msg/s (${status.perDevicePerSecond.toFixed(2)} per device), ${status.published} published, ${status.failed} failed, p99 lateness ${status.lateP99Ms.toFixed(1)} ms${status.lastError === null ? '' : ` (last error: ${status.lastError})`}`;
}

export const simulateCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, FLAGS);
    const chosen = [values.scenario, values.script, values.template, values['profile-file']].filter((v) => v !== undefined);
    if (chosen.length !== 1) throw new UsageError('Say what the devices publish: one of --scenario NAME, --script FILE, --template TEXT or --profile-file FILE.');
    if (values.name !== undefined && values['profile-file'] === undefined) throw new UsageError('--name picks a saved simulation of --profile-file FILE.');
    const saved = values['profile-file'] === undefined ? undefined : readSavedSimulation(values['profile-file'], values.name);
    const devices = intFlag(values.devices, '--devices', 1, MAX_DEVICES) ?? saved?.devices ?? 1;
    const rate = values.rate === undefined ? (saved?.perSecond ?? 1) : Number(values.rate);
    if (!(Number.isFinite(rate) && rate > 0 && rate <= 100)) throw new UsageError(`--rate must be a number above 0 and at most 100 (per device per second), not "${values.rate}".`);
    const timeoutS = intFlag(values.timeout, '--timeout', 1, 31_536_000);
    const every = intFlag(values.every, '--every', 0, 3600) ?? 5;
    const version = values['mqtt-version'];
    if (version !== undefined && !['3.1.1', '5', '5.0'].includes(version)) throw new UsageError(`--mqtt-version must be 3.1.1 or 5, not "${version}".`);
    const topic = values.topic ?? 'sim/{device}/data';
    let source: SimulationSource;
    if (saved !== undefined) source = saved.source;
    else if (values.scenario !== undefined) source = { kind: 'scenario', name: values.scenario };
    else if (values.template !== undefined) source = { kind: 'template', payload: values.template, topic };
    else {
      let text: string;
      try {
        text = readFileSync(values.script!, 'utf8');
      } catch {
        throw new TopiaryError('VALIDATION_ERROR', `The script file ${values.script} cannot be read; check the path.`);
      }
      source = { kind: 'script', source: text, topic };
    }

    const password = values.password ?? io.env.TOPIARY_PASSWORD;
    let simulation: RunningSimulation | undefined;
    try {
      simulation = await simulate({
        source,
        devices,
        perSecond: rate,
        qos: values.qos === undefined && saved !== undefined ? saved.qos : qosFlag(values.qos),
        ...(values.prefix === undefined ? (saved === undefined ? {} : { prefix: saved.prefix }) : { prefix: values.prefix }),
        url: values.url ?? saved?.url ?? 'mqtt://127.0.0.1:1883',
        protocolVersion: version === '3.1.1' ? 4 : 5,
        ...(values.user === undefined ? {} : { username: values.user }),
        ...(password === undefined ? {} : { password }),
        onError: (device, error) => io.stderr.write(`error: ${device.name}: ${error.message}\n`),
      });
      const running = simulation;
      const what = source.kind === 'scenario' ? `scenario ${source.name}` : source.kind;
      io.stderr.write(`simulating ${devices} device${devices === 1 ? '' : 's'} at ${rate}/s each (${saved === undefined ? what : `"${saved.name}": ${what}`})\n`);
      const report = every > 0 ? setInterval(() => io.stderr.write(`${describe(running.status())}\n`), every * 1000) : undefined;
      await new Promise<void>((resolve) => {
        io.interrupted.addEventListener('abort', () => resolve(), { once: true });
        if (timeoutS !== undefined) setTimeout(resolve, timeoutS * 1000).unref();
      });
      clearInterval(report);
      const final = running.status();
      await running.stop();
      io.stdout.write(`stopped: ${describe(final)}\n`);
      return final.failed > 0 && final.published === 0 ? 1 : 0;
    } finally {
      await simulation?.stop();
    }
  },
};
