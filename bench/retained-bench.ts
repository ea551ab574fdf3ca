/**
 * 10,000 retained topics on subscribe: how long until the window shows them all, split into its legs, against
 * Debian's mosquitto and the embedded broker, with the real renderer in headless Chromium (web mode).
 *
 *   npm run bench -- retained            (BENCH_RETAINED=10000, BENCH_REPEAT=3, BENCH_BROKERS=embedded,mosquitto)
 *
 * Legs, each timed in its own pass so none is charged for another's CPU:
 * - broker send: a raw-socket subscriber in its own process (no MQTT library) times SUBSCRIBE → the last PUBLISH's bytes;
 * - client parse: a bare MQTT.js subscriber in its own process times SUBSCRIBE → the last 'message' event;
 * - the app: the page's Connect click → the core's SUBSCRIBE → its first and last ingest (and the CPU spent inside
 *   ingest) → the first explorer.changed that carries every topic → the totals and the prefix's row on screen.
 * Legs are medians of the repeats; the machine is shared, so the load average is printed beside them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { chromium, type Browser } from 'playwright-core';
import { decodeFrame } from '../shared/ipc/frame-codec';
import type { Frame, Wire } from '../shared/ipc/wire';
import { createAppCore } from '../src-main/core/app-core';
import { createBroker } from '../src-main/core/broker';
import { Connection } from '../src-main/core/connections/connection';
import { ExplorerService } from '../src-main/core/explorer/explorer-service';
import { startMosquitto } from '../src-main/test-support/mosquitto';
import { startWebHost } from '../src-main/web/web-host';
import { lineFrom, scriptChild } from './script-child';

const ROOT = process.cwd();
const RETAINED = Number(process.env.BENCH_RETAINED ?? 10_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const BROKERS = (process.env.BENCH_BROKERS ?? 'embedded,mosquitto').split(',');
const GOAL_MS = 500;
const MQTT_PATH = createRequire(join(ROOT, 'package.json')).resolve('mqtt');

const VARINT = `const varint = (n) => { const out = []; do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 128; out.push(b); } while (n > 0); return Buffer.from(out); };`;
const CONNECT = `const connectPacket = (id) => { const c = Buffer.from(id); const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 60, c.length >> 8, c.length & 255]), c]); return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]); };`;

// Stores RETAINED retained messages (QoS 0, 100-byte payloads) under PREFIX, then says it is done.
const FILLER = `
const net = require('node:net');
${VARINT}
${CONNECT}
const { URL: url, PREFIX: prefix } = process.env;
const n = +process.env.N;
const payload = Buffer.alloc(100, 65);
const parts = [];
for (let i = 0; i < n; i++) { const t = Buffer.from(prefix + '/line' + (i % 100) + '/sensor' + i); const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 255]), t, payload]); parts.push(Buffer.from([0x31]), varint(body.length), body); }
const { hostname, port } = new URL(url);
const socket = net.connect(+port, hostname);
socket.on('error', (e) => { process.stderr.write('filler: ' + e.message + '\\n'); process.exit(1); });
socket.write(connectPacket('bench-fill-' + process.pid));
socket.once('data', () => socket.end(Buffer.concat([...parts, Buffer.from([0xe0, 0])]), () => process.stdout.write('done\\n')));
`;

// The broker's part: SUBSCRIBE written → the last retained PUBLISH's bytes read, framing only, no MQTT library.
const RAW = `
const net = require('node:net');
${VARINT}
${CONNECT}
const { URL: url, FILTER: filter } = process.env;
const n = +process.env.N;
const { hostname, port } = new URL(url);
const socket = net.connect(+port, hostname);
socket.on('error', (e) => { process.stderr.write('raw: ' + e.message + '\\n'); process.exit(1); });
socket.write(connectPacket('bench-raw-' + process.pid));
let connected = false, carry = Buffer.alloc(0), count = 0, t0 = 0, first = 0;
socket.on('data', (d) => {
  if (!connected) {
    connected = true;
    const f = Buffer.from(filter);
    const body = Buffer.concat([Buffer.from([0, 1, f.length >> 8, f.length & 255]), f, Buffer.from([0])]);
    t0 = performance.now();
    socket.write(Buffer.concat([Buffer.from([0x82]), varint(body.length), body]));
    d = d.subarray(4);
  }
  const buf = carry.length > 0 ? Buffer.concat([carry, d]) : d;
  let i = 0;
  for (;;) {
    if (i + 2 > buf.length) break;
    let len = 0, mul = 1, j = i + 1, whole = false;
    while (j < buf.length) { const b = buf[j++]; len += (b & 127) * mul; mul *= 128; if ((b & 128) === 0) { whole = true; break; } }
    if (!whole || j + len > buf.length) break;
    if (buf[i] >> 4 === 3 && count++ === 0) first = performance.now();
    i = j + len;
  }
  carry = buf.subarray(i);
  if (count >= n) { process.stdout.write(JSON.stringify({ firstMs: first - t0, lastMs: performance.now() - t0 }) + '\\n'); socket.destroy(); process.exit(0); }
});
`;

// A bare MQTT.js subscriber (MQTT 5, as the app connects): SUBSCRIBE → the last 'message' event.
const MQTTJS = `
const mqtt = require(process.env.MQTT_PATH);
const n = +process.env.N;
let count = 0, t0 = 0, first = 0;
const client = mqtt.connect(process.env.URL, { clientId: 'bench-mqttjs-' + process.pid, protocolVersion: 5, reconnectPeriod: 0 });
client.on('error', (e) => { process.stderr.write('mqttjs: ' + e.message + '\\n'); process.exit(1); });
client.on('message', () => {
  if (count++ === 0) first = performance.now();
  if (count === n) { process.stdout.write(JSON.stringify({ firstMs: first - t0, lastMs: performance.now() - t0 }) + '\\n'); client.end(true, () => process.exit(0)); }
});
client.on('connect', () => { t0 = performance.now(); client.subscribe(process.env.FILTER, { qos: 0 }); });
`;

interface Leg {
  readonly firstMs: number;
  readonly lastMs: number;
}

interface AppRun {
  /** Click → the core's SUBSCRIBE written. */
  readonly toSubscribe: number;
  /** SUBSCRIBE → the first retained message ingested. */
  readonly toFirst: number;
  /** First → last message ingested. */
  readonly firstToLast: number;
  /** Time spent inside the explorer's ingest for the burst. */
  readonly ingestMs: number;
  /** Core CPU (user + system) from SUBSCRIBE to the last ingest. */
  readonly coreCpuMs: number;
  /** The core's GC pauses from SUBSCRIBE to the last ingest: longest, and their sum. */
  readonly gcMax: number;
  readonly gcSum: number;
  /** Last ingest → the first explorer.changed frame carrying every topic. */
  readonly toAnnounce: number;
  /** That frame → the totals and the prefix's row show every topic. */
  readonly toShown: number;
  /** That frame → the page's next rows request reaches the core. */
  readonly toRowsAsked: number;
  /** Split of toRowsAsked by the page's own clock (wall clock, as the core's): the event sent → the page's handler has it. */
  readonly eventToPage: number;
  /** The page has the event → it sends the rows request the core reads first (negative: it was already on its way). */
  readonly pageToAsk: number;
  /** Of pageToAsk: the page waiting for the answer to an earlier rows request (it keeps one in flight at a time). */
  readonly pageWaitsForAnswer: number;
  /** The page sent the rows request → the core read it (the core's event loop busy meanwhile). */
  readonly askToCore: number;
  /** Its answer sent → every topic on screen. */
  readonly rowsAnsweredToShown: number;
  /** What the page asked for from the click to every topic on screen. */
  readonly requests: string;
  readonly total: number;
}

/** Timings the core's instrumented methods write into; reset per run. */
const probe = { subscribeAt: 0, firstAt: 0, lastAt: 0, ingestMs: 0, count: 0, cpuAtSubscribe: 0, cpuAtLast: 0, announceAt: 0, rowsAskedAt: 0, rowsAnsweredAt: 0 };
/** Requests from the page between the click and every topic on screen. */
const asked = new Map<string, number>();

function instrumentCore(): void {
  const ingest = ExplorerService.prototype.ingest;
  ExplorerService.prototype.ingest = function (this: ExplorerService, ...args: Parameters<ExplorerService['ingest']>) {
    const t = performance.now();
    ingest.apply(this, args);
    const done = performance.now();
    probe.ingestMs += done - t;
    if (probe.count++ === 0) probe.firstAt = Date.now();
    if (probe.count === RETAINED) {
      probe.lastAt = Date.now();
      const cpu = process.cpuUsage();
      probe.cpuAtLast = (cpu.user + cpu.system) / 1000;
    }
  };
  const connection = Connection.prototype as unknown as { onSubscribeSent(packet: unknown): void };
  const subscribeSent = connection.onSubscribeSent;
  connection.onSubscribeSent = function (this: unknown, packet: unknown) {
    if (probe.subscribeAt === 0) {
      probe.subscribeAt = Date.now();
      const cpu = process.cpuUsage();
      probe.cpuAtSubscribe = (cpu.user + cpu.system) / 1000;
    }
    subscribeSent.call(this, packet);
  };
}

let rowsRequest = -1;
/** The core process's GC pauses: [start (ms epoch), duration]. */
const gcPauses: [number, number][] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push([performance.timeOrigin + e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });
/** Pauses that began between two moments (ms epoch). */
const burstGcs = (from: number, to: number): number[] => gcPauses.filter(([at]) => at >= from - 1 && at <= to + 1).map(([, ms]) => ms);
let sentBytes = 0;

/** The page's wire, noting when the core first says every topic is there. */
function announcingWire(wire: Wire): Wire {
  return {
    send(frame: Frame) {
      if (frame.kind === 'event' && frame.name === 'explorer.changed' && probe.announceAt === 0 && (frame.payload as { topicCount: number }).topicCount >= RETAINED) {
        probe.announceAt = Date.now();
      }
      if (frame.kind === 'event') {
        const key = `event ${frame.name}`;
        asked.set(key, (asked.get(key) ?? 0) + 1);
        sentBytes += JSON.stringify(frame.payload ?? null).length;
      }
      if (frame.kind === 'response' && frame.id === rowsRequest && probe.rowsAnsweredAt === 0) probe.rowsAnsweredAt = Date.now();
      wire.send(frame);
    },
    onFrame: (listener) =>
      wire.onFrame((frame) => {
        if (frame.kind === 'request') {
          asked.set(frame.method, (asked.get(frame.method) ?? 0) + 1);
          // The first rows request after the core said every topic is there.
          if (frame.method === 'explorer.listRows' && probe.announceAt > 0 && probe.rowsAskedAt === 0) {
            probe.rowsAskedAt = Date.now();
            rowsRequest = frame.id;
          }
        }
        listener(frame);
      }),
    onClose: (listener) => wire.onClose(listener),
    close: () => wire.close(),
  };
}

async function child(script: string, env: Record<string, string>): Promise<string> {
  const proc = scriptChild(script, MQTT_PATH, env);
  proc.on('error', (error) => console.error(error));
  return lineFrom(proc);
}

/**
 * Logs every frame the page sends and handles on its core socket, with the wall clock (Date.now, the core's clock too),
 * so the gap between the core's announcement and the page's rows request can be split into the page's part and the
 * core's. A frame is stamped when the page's own code would see it: its message listener runs first.
 */
const LOG_PAGE_WIRE = `
  const log = [];
  window.__wire = log;
  const Base = window.WebSocket;
  window.WebSocket = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => { if (e.data instanceof ArrayBuffer) log.push({ dir: 'in', at: Date.now(), data: e.data }); });
    }
    send(data) {
      const bytes = ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data;
      if (bytes instanceof ArrayBuffer) log.push({ dir: 'out', at: Date.now(), data: bytes });
      super.send(data);
    }
  };
`;

interface PageFrame {
  readonly dir: 'in' | 'out';
  readonly at: number;
  readonly frame: { readonly kind: string; readonly id?: number; readonly method?: string; readonly name?: string; readonly payload?: unknown };
}

/**
 * The page's side of the announcement → rows request gap, from its wire log: when the page had the event, when it
 * sent the rows request the core read first after announcing (`rowsId`; sent before the event when one was already
 * on its way), and, if the page held that request back for the answer to an earlier one, when that answer came.
 */
function pageLegs(frames: readonly PageFrame[], rowsId: number): { eventAt: number; askedAt: number; inFlightAnsweredAt: number } {
  const eventAt = frames.find((f) => f.dir === 'in' && f.frame.kind === 'event' && f.frame.name === 'explorer.changed' && (f.frame.payload as { topicCount: number }).topicCount >= RETAINED)?.at ?? Number.NaN;
  const asked = frames.find((f) => f.dir === 'out' && f.frame.kind === 'request' && f.frame.id === rowsId);
  const askedAt = asked?.at ?? Number.NaN;
  const earlier = frames.filter((f) => f.dir === 'out' && f.frame.method === 'explorer.listRows' && f.at < askedAt && f.frame.id !== rowsId).at(-1);
  const answer = earlier ? frames.find((f) => f.dir === 'in' && f.frame.kind !== 'event' && f.frame.id === earlier.frame.id) : undefined;
  return { eventAt, askedAt, inFlightAnsweredAt: answer && answer.at > eventAt ? answer.at : Math.min(eventAt, askedAt) };
}

async function appRun(browser: Browser, url: string): Promise<AppRun> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'topiary-retained-'));
  const core = await createAppCore({ userDataDir, autoStartBroker: false });
  const host = await startWebHost({ rendererDir: join(ROOT, 'dist/renderer'), attach: (wire) => core.attach(announcingWire(wire)) });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript({ content: LOG_PAGE_WIRE });
  try {
    await page.goto(host.url);
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60_000 });
    await page.getByTestId('broker-url').fill(url);
    // The composer's editor (Monaco) loads after the first paint and then takes the page's main thread for a while
    // (0.2–0.9 s here). Clicking before it is in place charged that start-up to the burst: the page could not take the
    // core's events or send its requests meanwhile. The burst is timed on a page that has finished loading.
    await page.locator('.monaco-editor').waitFor({ timeout: 60_000 });
    Object.assign(probe, { subscribeAt: 0, firstAt: 0, lastAt: 0, ingestMs: 0, count: 0, cpuAtSubscribe: 0, cpuAtLast: 0, announceAt: 0, rowsAskedAt: 0, rowsAnsweredAt: 0 });
    asked.clear();
    rowsRequest = -1;
    sentBytes = 0;
    const { clickAt, shownAt } = await page.evaluate(
      (n) =>
        new Promise<{ clickAt: number; shownAt: number }>((resolve, reject) => {
          (window as unknown as { __wire: unknown[] }).__wire.length = 0;
          const clickAt = Date.now();
          document.querySelector<HTMLElement>('[data-testid="connect-button"]')!.click();
          const check = (): void => {
            const text = document.querySelector('[data-testid="tree-totals"]')?.textContent ?? '';
            const topics = Number(/([\d,]+) topics/.exec(text)?.[1]?.replaceAll(',', '') ?? 0);
            const row = document.querySelector('[data-testid="tree-row"][data-path="kept"] [data-testid="row-counts"]');
            if (topics >= n && Number(row?.getAttribute('data-messages') ?? 0) >= n) resolve({ clickAt, shownAt: Date.now() });
            else if (Date.now() - clickAt > 30_000) reject(new Error(`only "${text}" after 30 s`));
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }),
      RETAINED,
    );
    const wire = await page.evaluate(() =>
      (window as unknown as { __wire: { dir: 'in' | 'out'; at: number; data: ArrayBuffer }[] }).__wire.map((e) => ({ dir: e.dir, at: e.at, bytes: Array.from(new Uint8Array(e.data)) })),
    );
    const legs = pageLegs(
      wire.map((e) => ({ dir: e.dir, at: e.at, frame: decodeFrame(Uint8Array.from(e.bytes)) as PageFrame['frame'] })),
      rowsRequest,
    );
    return {
      toSubscribe: probe.subscribeAt - clickAt,
      toFirst: probe.firstAt - probe.subscribeAt,
      firstToLast: probe.lastAt - probe.firstAt,
      ingestMs: probe.ingestMs,
      coreCpuMs: probe.cpuAtLast - probe.cpuAtSubscribe,
      gcMax: Math.max(0, ...burstGcs(probe.subscribeAt, probe.lastAt)),
      gcSum: burstGcs(probe.subscribeAt, probe.lastAt).reduce((a, b) => a + b, 0),
      toAnnounce: probe.announceAt - probe.lastAt,
      toShown: shownAt - probe.announceAt,
      toRowsAsked: probe.rowsAskedAt - probe.announceAt,
      eventToPage: legs.eventAt - probe.announceAt,
      pageToAsk: legs.askedAt - legs.eventAt,
      pageWaitsForAnswer: Math.max(0, legs.inFlightAnsweredAt - legs.eventAt),
      askToCore: probe.rowsAskedAt - legs.askedAt,
      rowsAnsweredToShown: shownAt - probe.rowsAnsweredAt,
      requests: [...asked].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m.replace(/^\w+\./, '')} ${n}`).join(', ') + `; events ~${Math.round(sentBytes / 1024)} kB JSON`,
      total: shownAt - clickAt,
    };
  } finally {
    await page.close();
    await host.close();
    await core.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const fmt = (n: number): string => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: 0 }) : '-');
const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function measure(browser: Browser, name: string, url: string): Promise<string[]> {
  await child(FILLER, { URL: url, PREFIX: 'kept', N: String(RETAINED) });
  const raws: Leg[] = [];
  const parsed: Leg[] = [];
  const apps: AppRun[] = [];
  for (let i = 0; i < REPEAT; i++) {
    raws.push(JSON.parse(await child(RAW, { URL: url, FILTER: 'kept/#', N: String(RETAINED) })) as Leg);
    parsed.push(JSON.parse(await child(MQTTJS, { URL: url, FILTER: 'kept/#', N: String(RETAINED) })) as Leg);
    apps.push(await appRun(browser, url));
  }
  const m = (pick: (a: AppRun) => number): string => fmt(median(apps.map(pick)));
  return [
    `${name}: ${fmt(RETAINED)} retained topics, median of ${REPEAT} (ms); load ${load()}`,
    `  broker send (raw socket: SUBSCRIBE → first / last PUBLISH)  ${fmt(median(raws.map((r) => r.firstMs)))} / ${fmt(median(raws.map((r) => r.lastMs)))}`,
    `  bare MQTT.js (SUBSCRIBE → first / last message)             ${fmt(median(parsed.map((r) => r.firstMs)))} / ${fmt(median(parsed.map((r) => r.lastMs)))}`,
    `  app: click → SUBSCRIBE written                              ${m((a) => a.toSubscribe)}`,
    `  app: SUBSCRIBE → first ingest                               ${m((a) => a.toFirst)}`,
    `  app: first → last ingest                                    ${m((a) => a.firstToLast)}  (inside ingest ${m((a) => a.ingestMs)}, core CPU ${m((a) => a.coreCpuMs)}, GC longest ${m((a) => a.gcMax)} / sum ${m((a) => a.gcSum)})`,
    `  app: last ingest → explorer.changed with every topic        ${m((a) => a.toAnnounce)}`,
    `  app: that event → every topic on screen                     ${m((a) => a.toShown)}  (→ rows asked ${m((a) => a.toRowsAsked)}; rows answered → shown ${m((a) => a.rowsAnsweredToShown)})`,
    `    → rows asked, by the page's clock (each run: event → the page has it / → it sends that rows request, of which waiting for an earlier rows answer / sent → the core reads it):`,
    `      ${apps.map((a) => `${fmt(a.eventToPage)} / ${fmt(a.pageToAsk)}, ${fmt(a.pageWaitsForAnswer)} / ${fmt(a.askToCore)}`).join('; ')}`,
    `  app: the page's requests meanwhile (last run)               ${apps[apps.length - 1]?.requests ?? ''}`,
    `  app: click → every topic on screen                          ${m((a) => a.total)}  (each run: ${apps.map((a) => fmt(a.total)).join(', ')}; goal ≤ ${GOAL_MS})`,
  ];
}

async function main(): Promise<void> {
  instrumentCore();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--disable-gpu', '--no-first-run'] });
  const lines: string[] = [];
  try {
    if (BROKERS.includes('embedded')) {
    const embedded = createBroker({ sysInterval: 0, allowAnonymous: true, listeners: [{ kind: 'tcp', port: 0, host: '127.0.0.1' }] });
    const [listener] = await embedded.start();
    try {
      lines.push(...(await measure(browser, 'embedded broker', `mqtt://127.0.0.1:${listener!.port}`)));
    } finally {
      await embedded.stop();
    }
    }
    if (BROKERS.includes('mosquitto')) {
    const mosquitto = await startMosquitto();
    try {
      lines.push(...(await measure(browser, 'mosquitto', mosquitto.url)));
    } finally {
      await mosquitto.stop();
    }
    }
  } finally {
    await browser.close();
  }
  for (const line of lines) console.log(line);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
