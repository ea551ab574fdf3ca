/**
 * The whole explorer path under a flood: mosquitto → the app's core (MQTT.js, index, history, batching)
 * → the renderer in headless Chromium, measured against a bare MQTT.js subscriber fed the same flood.
 *
 *   npm run bench -- explorer-path            (BENCH_SECONDS=10 BENCH_TOPICS=200000 to shorten; BENCH_WEB_ROOT=<checkout> for its page)
 *   BENCH_DECODER=script npm run bench -- explorer-path   (a decoder script bound to every topic, `#`; or json, hex, …)
 *   BENCH_RECORD=1 npm run bench -- explorer-path   (the flood recorded to the message history, as with the app's
 *       Record switch on: adds how many of the flood the store holds; run once with and once without it to compare
 *       the core's CPU per message and the page's frame gaps with recording on and off)
 *
 * The publisher and the baseline subscriber run in their own processes, so the figures are the core's
 * and the page's, not the load generator's. The core runs in this process (as web mode runs it).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { chromium, type Page } from 'playwright-core';
import type { ConnectionId } from '../shared/ipc/common';
import type { Wire } from '../shared/ipc/wire';
import { createAppCore, type AppCore } from '../src-main/core/app-core';
import { preferShortGcPauses } from '../src-main/gc-tuning';
import { startMosquitto } from '../src-main/test-support/mosquitto';
import { historyWorkerFile, scriptWorkerFile } from '../src-main/test-support/worker-file';
import { startWebHost } from '../src-main/web/web-host';
import { cpuMsOf, processTree } from './proc-stats';
import { lineFrom, scriptChild } from './script-child';

// The core runs in this process: with the garbage-collector settings web mode and the desktop app start with.
preferShortGcPauses();

const ROOT = process.cwd();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? 50_000);
const TOPICS = 10_000;
const DISTINCT = Number(process.env.BENCH_TOPICS ?? 1_000_000);
const MQTT_PATH = createRequire(join(ROOT, 'package.json')).resolve('mqtt');
const MB = 1024 * 1024;
/** BENCH_DECODER: bind this decoder to `#` before the flood, so the tree's previews and the inspector decode every topic. */
const DECODER = process.env.BENCH_DECODER;
/** BENCH_RECORD=1: the app records the flood's connection to its message history (issue #14). */
const RECORD = process.env.BENCH_RECORD === '1';
/** The bound script: reads the payload as text and returns two fields (the flood's payloads are 100 × "A", not JSON). */
const DECODER_SCRIPT = 'const t = msg.text;\nreturn { length: t.length, head: t.slice(0, 8) };';
/** A brisk wheel scroll: 10 rows a frame, 600 rows a second. */
const SCROLL_PX_PER_FRAME = 240;

// Publishes `total` messages at `rate` over `topics` names (QoS 0, 100-byte payloads), then says how many it sent.
// Raw MQTT 3.1.1 over TCP with pre-encoded packets: MQTT.js's publish() would cap the flood well below 50,000/s
// on two cores and make the publisher, not the app, the thing measured.
const PUBLISHER = `
const net = require('node:net');
const { URL: url, PREFIX: prefix } = process.env;
const [rate, total, topics, limitMs] = [+process.env.RATE, +process.env.TOTAL, +process.env.TOPICS, +process.env.LIMIT_MS];
const payload = Buffer.alloc(100, 65);
const varint = (n) => { const out = []; do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 128; out.push(b); } while (n > 0); return Buffer.from(out); };
const packet = (topic) => { const t = Buffer.from(topic); const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 255]), t, payload]); return Buffer.concat([Buffer.from([0x30]), varint(body.length), body]); };
const name = (i) => prefix + '/line' + (i % 100) + '/sensor' + i;
const cache = topics <= 20000 ? Array.from({ length: topics }, (_, i) => packet(name(i))) : null;
const { hostname, port } = new URL(url);
const socket = net.connect(+port, hostname);
socket.setNoDelay(true);
let sent = 0;
socket.on('error', (e) => { process.stderr.write('publisher: ' + e.message + '\\n'); process.stdout.write(JSON.stringify({ sent, ms: 0, error: e.message })); process.exit(0); });
const id = Buffer.from('bench-pub-' + process.pid);
const connectBody = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 0, id.length >> 8, id.length & 255]), id]);
socket.write(Buffer.concat([Buffer.from([0x10]), varint(connectBody.length), connectBody]));
socket.once('data', () => {
  const start = Date.now();
  const tick = () => {
    const due = Math.min(total, Math.ceil(((Date.now() - start) / 1000) * rate));
    const parts = [];
    // At most 5,000 a tick: a publisher that fell behind must not hand the socket a million messages at once,
    // or 'sent' would count bytes parked in our own buffer rather than taken by the broker.
    const upTo = Math.min(due, sent + 5000);
    while (sent < upTo) { const i = sent % topics; parts.push(cache ? cache[i] : packet(name(i))); sent++; }
    const more = parts.length === 0 || socket.write(Buffer.concat(parts));
    // Bounded by time too: a machine that cannot sustain the rate still stops when the run is over.
    if (sent >= total || Date.now() - start >= limitMs) { socket.end(Buffer.from([0xe0, 0]), () => process.stdout.write(JSON.stringify({ sent, ms: Date.now() - start, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }))); return; }
    if (!more) socket.once('drain', tick);
    else if (sent < due) setImmediate(tick);
    else setTimeout(tick, 5);
  };
  tick();
});
`;

// The baseline: a bare MQTT.js subscriber that keeps each topic's last payload (what any explorer must hold).
const BASELINE = `
const mqtt = require(process.env.MQTT_PATH);
const { monitorEventLoopDelay } = require('node:perf_hooks');
const last = new Map();
let count = 0, first = 0, lastAt = 0;
const delay = monitorEventLoopDelay({ resolution: 5 });
const client = mqtt.connect(process.env.URL, { clientId: 'bench-base-' + process.pid, protocolVersion: 5 });
client.on('message', (topic, payload) => { if (count++ === 0) first = Date.now(); lastAt = Date.now(); last.set(topic, payload); });
client.subscribe(process.env.FILTER, { qos: 0 }, () => process.stdout.write('ready\\n'));
process.stdin.on('data', (d) => {
  if (String(d).startsWith('count')) return void process.stdout.write(count + '\\n');
  delay.disable();
  process.stdout.write(JSON.stringify({ count, topics: last.size, ms: lastAt - first, rss: process.memoryUsage().rss, loopP99: delay.percentile(99) / 1e6, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }) + '\\n');
  client.end(true, () => process.exit(0));
});
delay.enable();
`;

interface Row {
  readonly figure: string;
  readonly topiary: string;
  readonly baseline: string;
  readonly ratio: string;
}

async function publish(url: string, prefix: string, rate: number, total: number, topics: number, limitMs: number): Promise<{ sent: number; ms: number; cpuMs: number }> {
  const proc = scriptChild(PUBLISHER, MQTT_PATH, { URL: url, PREFIX: prefix, RATE: String(rate), TOTAL: String(total), TOPICS: String(topics), LIMIT_MS: String(limitMs) });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => proc.once('exit', resolve));
  return JSON.parse(out) as { sent: number; ms: number; cpuMs: number };
}

interface Baseline {
  readonly count: number;
  readonly topics: number;
  readonly ms: number;
  readonly rss: number;
  readonly loopP99: number;
  readonly cpuMs: number;
}

async function startBaseline(url: string, filter: string): Promise<{ count(): Promise<number>; finish(): Promise<Baseline> }> {
  const proc = scriptChild(BASELINE, MQTT_PATH, { URL: url, FILTER: filter });
  await lineFrom(proc);
  return {
    async count() {
      const answer = lineFrom(proc);
      proc.stdin!.write('count\n');
      return Number(await answer);
    },
    async finish() {
      const answer = lineFrom(proc);
      proc.stdin!.write('report\n');
      return JSON.parse(await answer) as Baseline;
    },
  };
}

/**
 * Resident memory of processes: RSS summed, and PSS (each shared page split between its sharers).
 * Chromium forks its processes from a zygote, so summed RSS counts the shared pages once per process;
 * PSS is what the processes together take from the machine.
 */
function memoryOf(pids: readonly number[]): { rss: number; pss: number } {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
    } catch {
      // Gone.
    }
  }
  return { rss, pss };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function ratio(a: number, b: number): string {
  return b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : '-';
}

async function coreCount(core: AppCore, connectionId: ConnectionId, prefix: string): Promise<number> {
  const detail = await core.handlers['explorer.listRows']({ connectionId, start: 0, count: 50 }, { clientId: 'bench-probe' });
  return detail.rows.find((r) => r.path === prefix)?.messageCount ?? 0;
}

async function settle(read: () => Promise<number>, target: number): Promise<number> {
  let last = -1;
  let stableSince = Date.now();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const now = await read();
    if (now >= target) return now;
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 2_000 || Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts recording requestAnimationFrame gaps in the page. */
async function recordFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __gaps: number[]; __frames?: boolean };
    w.__gaps = [];
    if (w.__frames) return;
    w.__frames = true;
    let prev = performance.now();
    const loop = (t: number): void => {
      w.__gaps.push(t - prev);
      prev = t;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  });
}

function frameGaps(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __gaps: number[] }).__gaps.slice());
}

/** When the core got each request and when it answered (ms epoch), to split a click's time into its legs. */
interface RequestTiming {
  readonly method: string;
  readonly arrivedAt: number;
  answeredAt: number;
}

/** The wire the page talks over, with each request's arrival and answer timed. */
function timedWire(wire: Wire, log: RequestTiming[]): Wire {
  const open = new Map<number, RequestTiming>();
  return {
    send(frame) {
      if (frame.kind === 'response' || frame.kind === 'failure') {
        const timing = open.get(frame.id);
        if (timing) timing.answeredAt = Date.now();
        open.delete(frame.id);
      }
      wire.send(frame);
    },
    onFrame(listener) {
      return wire.onFrame((frame) => {
        if (frame.kind === 'request') {
          const timing = { method: frame.method, arrivedAt: Date.now(), answeredAt: 0 };
          open.set(frame.id, timing);
          log.push(timing);
        }
        listener(frame);
      });
    },
    onClose: (listener) => wire.onClose(listener),
    close: () => wire.close(),
  };
}

/** Clicks a tree row and times until the inspector shows that topic's value, measured inside the page. */
function clickToValue(page: Page, path: string): Promise<{ ms: number; at: number }> {
  return page.evaluate(
    (p) =>
      new Promise<{ ms: number; at: number }>((resolve, reject) => {
        const row = document.querySelector<HTMLElement>(`[data-testid="tree-row"][data-path="${p}"]`);
        if (!row) return reject(new Error(`row ${p} not on screen`));
        const at = Date.now();
        const t0 = performance.now();
        row.click();
        const check = (): void => {
          const payload = document.querySelector(`[data-testid="inspector"][data-topic="${p}"] [data-testid="inspector-payload"]`);
          if (payload && (payload.textContent ?? '').length > 0) resolve({ ms: performance.now() - t0, at });
          else if (performance.now() - t0 > 10_000) reject(new Error(`no value for ${p} within 10 s`));
          else requestAnimationFrame(check);
        };
        check();
      }),
    path,
  );
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/renderer/index.html'))) throw new Error('Build the renderer first: node scripts/build.mjs');
  const broker = await startMosquitto({ config: ['max_queued_messages 0', 'max_queued_bytes 0'] });
  const requests: RequestTiming[] = [];
  const userDataDir = mkdtempSync(join(tmpdir(), 'topiary-bench-'));
  const core = await createAppCore({ userDataDir, autoStartBroker: false, scriptWorkerFile: await scriptWorkerFile(), historyWorkerFile: await historyWorkerFile() } as Parameters<typeof createAppCore>[0]);
  if (DECODER !== undefined) {
    const decoder = DECODER === 'script' ? { kind: 'script' as const, source: DECODER_SCRIPT } : { kind: DECODER as 'json' };
    const bound = await core.handlers['decoders.saveBinding']({ filter: '#', decoder, enabled: true }, { clientId: 'bench-probe' });
    if (bound.problem !== null) throw new Error(`The bench's decoder binding has a problem: ${bound.problem.message}`);
    console.log(`explorer-path: decoder ${DECODER} bound to every topic (#)`);
  }
  // BENCH_WEB_ROOT: another checkout's page (its dist/renderer) over this checkout's core, to compare two pages in turn.
  const webRoot = process.env.BENCH_WEB_ROOT ?? ROOT;
  if (webRoot !== ROOT) console.log(`explorer-path: the page from ${webRoot}/dist/renderer`);
  const host = await startWebHost({ rendererDir: join(webRoot, 'dist/renderer'), attach: (wire) => core.attach(timedWire(wire, requests)) });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--disable-gpu', '--no-first-run'] });
  const rows: Row[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(host.url);
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60_000 });
    await page.getByTestId('broker-url').fill(broker.url);
    await page.getByTestId('connect-button').click();
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 30_000 });
    // The composer's editor loads a second after the window opens; the flood is timed once it is in place (its one-off
    // start-up would otherwise land in the flood's first seconds).
    await page.locator('.monaco-editor').waitFor({ timeout: 60_000 });
    const connectionId = (await core.handlers['connections.list']({}, { clientId: 'bench-probe' }))[0]!.connectionId;

    if (RECORD) {
      const status = await core.handlers['history.setRecording']({ connectionId, enabled: true }, { clientId: 'bench-probe' });
      if (!status.recording.some((r) => r.connectionId === connectionId)) throw new Error(`Recording did not start: ${JSON.stringify(status)}`);
      console.log(`explorer-path: recording the flood to ${status.file}`);
    }

    // ---- the sustained flood -------------------------------------------------------------
    const total = RATE * SECONDS;
    console.log(`explorer-path: flooding ${fmt(RATE)} msg/s over ${fmt(TOPICS)} topics for ${SECONDS} s …`);
    await recordFrames(page);
    const cpu0 = process.cpuUsage();
    // Who uses the two cores during the flood: a publisher or broker short of CPU caps the rate, not the app.
    const mosquittoPids = processTree('mosquitto');
    const chromiumPids = processTree('chrom');
    const mosquittoCpu0 = cpuMsOf(mosquittoPids);
    const chromiumCpu0 = cpuMsOf(chromiumPids);
    const coreLoop = monitorEventLoopDelay({ resolution: 5 });
    coreLoop.enable();
    // This process's garbage-collection pauses during the flood (the core's, and the bench's own driving of Chromium).
    const gcPauses: { ms: number; kind: number }[] = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) gcPauses.push({ ms: e.duration, kind: e.detail?.kind ?? 0 });
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const t0 = Date.now();
    const flood = publish(broker.url, 'flood', RATE, total, TOPICS, SECONDS * 1000);

    // While it floods: open flood/line3 and time clicks on its rows.
    const clicks: number[] = [];
    // Per click: click → the getTopic request reaches the core, the core's answer time, answer sent → value on screen.
    const legs: { toCore: number; inCore: number; back: number }[] = [];
    await page.locator('[data-testid="tree-row"][data-path="flood"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="tree-row"][data-path="flood"] [data-testid="tree-toggle"]').click();
    await page.locator('[data-testid="tree-row"][data-path="flood/line3"] [data-testid="tree-toggle"]').click();
    await page.locator('[data-testid="tree-row"][data-path="flood/line3/sensor3"]').waitFor({ timeout: 30_000 });
    for (const n of [3, 103, 203, 303, 403, 503]) {
      const click = await clickToValue(page, `flood/line3/sensor${n}`);
      clicks.push(click.ms);
      // A click asks for the topic's detail (its newest value, decoded) with one getTopic; older builds asked decode.
      const requestAfterClick = (method: string): (typeof requests)[number] | undefined => requests.find((r) => r.method === method && r.arrivedAt >= click.at && r.answeredAt > 0);
      const decode = requestAfterClick('explorer.getTopic') ?? requestAfterClick('explorer.decode');
      if (decode) legs.push({ toCore: decode.arrivedAt - click.at, inCore: decode.answeredAt - decode.arrivedAt, back: click.at + click.ms - decode.answeredAt });
      if (Date.now() - t0 > SECONDS * 1000 * 0.8) break;
    }
    const { sent, ms: pubMs, cpuMs: pubCpuMs } = await flood;
    const floodMs = Date.now() - t0;
    coreLoop.disable();
    gcObserver.disconnect();
    const coreCpuMs = (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000;
    const mosquittoCpuMs = cpuMsOf(mosquittoPids) - mosquittoCpu0;
    const chromiumCpuMs = cpuMsOf(chromiumPids) - chromiumCpu0;
    const gaps = await frameGaps(page);
    const coreSeen = await settle(() => coreCount(core, connectionId, 'flood'), sent);
    const cpu = process.cpuUsage(cpu0);
    // What the store holds once the recorder's batches are written; recording then stops, so the passes below are as without it.
    const history = RECORD ? await settle(async () => (await core.handlers['history.getStatus']({}, { clientId: 'bench-probe' })).messages, coreSeen) : 0;
    const historyLost = RECORD ? (await core.handlers['history.getStatus']({}, { clientId: 'bench-probe' })).lost : 0;
    if (RECORD) await core.handlers['history.setRecording']({ connectionId, enabled: false }, { clientId: 'bench-probe' });
    // The baseline consumes the same flood in a pass of its own, with the app unsubscribed, so the
    // two never compete for the machine's two cores.
    const probe = { clientId: 'bench-probe' };
    await core.handlers['explorer.unsubscribe']({ connectionId, filters: ['#'] }, probe);
    const baseline = await startBaseline(broker.url, 'flood/#');
    const baseFlood = await publish(broker.url, 'flood', RATE, total, TOPICS, SECONDS * 1000);
    await settle(() => baseline.count(), baseFlood.sent);
    const base = await baseline.finish();
    await core.handlers['explorer.subscribe']({ connectionId, subscriptions: [{ filter: '#', qos: 2 }] }, probe);
    const viewSeen = await settle(async () => Number(await page.locator('[data-testid="tree-row"][data-path="flood"] [data-testid="row-counts"]').getAttribute('data-messages')), coreSeen);

    rows.push({ figure: `messages published (${fmt(RATE)}/s target, QoS 0, 100 B)`, topiary: fmt(sent), baseline: fmt(baseFlood.sent), ratio: '' });
    rows.push({ figure: 'publisher achieved rate (msg/s)', topiary: fmt(sent / (pubMs / 1000)), baseline: fmt(baseFlood.sent / (baseFlood.ms / 1000)), ratio: '' });
    rows.push({ figure: 'messages received', topiary: fmt(coreSeen), baseline: fmt(base.count), ratio: ratio(coreSeen, base.count) });
    rows.push({ figure: 'messages shown in the view (core → view lost)', topiary: `${fmt(viewSeen)} (${fmt(coreSeen - viewSeen)} lost)`, baseline: '', ratio: ratio(viewSeen, coreSeen) });
    rows.push({ figure: 'throughput (msg/s)', topiary: fmt(coreSeen / (floodMs / 1000)), baseline: fmt(base.count / (Math.max(base.ms, 1) / 1000)), ratio: ratio(coreSeen / floodMs, base.count / Math.max(base.ms, 1)) });
    if (RECORD) rows.push({ figure: 'recorded: messages in the history store (lost)', topiary: `${fmt(history)} of ${fmt(coreSeen)} received (${fmt(coreSeen - history)} lost, ${fmt(historyLost)} counted lost; ${history >= coreSeen && coreSeen >= sent ? 'meets' : 'MISSES'} 0 lost)`, baseline: '', ratio: ratio(history, coreSeen) });
    rows.push({ figure: `core CPU per message, recording ${RECORD ? 'on' : 'off'} (µs)`, topiary: fmt(((cpu.user + cpu.system) / Math.max(coreSeen, 1)), 2), baseline: '', ratio: '' });
    rows.push({ figure: 'page frame gap p99 / baseline event-loop delay p99 (ms)', topiary: fmt(percentile(gaps, 99), 1), baseline: fmt(base.loopP99, 1), ratio: ratio(percentile(gaps, 99), base.loopP99) });
    if (RECORD) rows.push({ figure: 'recorded flood: page frame gap p99 ≤ 50 ms', topiary: `${percentile(gaps, 99) <= 50 ? 'meets' : 'MISSES'} (${fmt(percentile(gaps, 99), 1)} ms)`, baseline: '', ratio: '' });
    rows.push({ figure: 'page frame gap max (ms)', topiary: fmt(Math.max(0, ...gaps), 1), baseline: '', ratio: '' });
    const over = gcPauses.filter((g) => g.ms > 20);
    const fullGcs = gcPauses.filter((g) => g.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    rows.push({
      figure: 'core process GC during the flood: pauses, longest (ms), over 20 ms; full ones, longest (ms)',
      topiary: `${fmt(gcPauses.length)}, ${fmt(Math.max(0, ...gcPauses.map((g) => g.ms)), 1)}, ${over.length} (goal 0: ${over.length === 0 ? 'holds' : 'MISSED'}); ${fullGcs.length}, ${fmt(Math.max(0, ...fullGcs.map((g) => g.ms)), 1)}`,
      baseline: '',
      ratio: '',
    });
    rows.push({ figure: 'core event-loop delay p99 / max during the flood (ms)', topiary: `${fmt(coreLoop.percentile(99) / 1e6, 1)} / ${fmt(coreLoop.max / 1e6, 1)}`, baseline: '', ratio: '' });
    const share = (ms: number): string => `${fmt((100 * ms) / floodMs)}%`;
    rows.push({ figure: 'CPU during the flood, % of one core: core / chromium', topiary: `${share(coreCpuMs)} / ${share(chromiumCpuMs)}`, baseline: share(base.cpuMs), ratio: '' });
    rows.push({ figure: 'CPU during the flood, % of one core: publisher / mosquitto', topiary: `${share(pubCpuMs)} / ${share(mosquittoCpuMs)}`, baseline: '', ratio: '' });
    rows.push({ figure: `click on a tree node → value shown, median of ${clicks.length} (ms)`, topiary: fmt(percentile(clicks, 50), 1), baseline: '', ratio: '' });
    rows.push({ figure: 'click → value, worst (ms)', topiary: fmt(Math.max(0, ...clicks), 1), baseline: '', ratio: '' });
    const asked = new Map<string, number>();
    for (const r of requests) if (r.arrivedAt >= t0 && r.arrivedAt <= t0 + floodMs) asked.set(r.method, (asked.get(r.method) ?? 0) + 1);
    rows.push({ figure: 'requests from the page during the flood (per second)', topiary: [...asked].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([m, n]) => `${m} ${fmt(n / (floodMs / 1000), 1)}`).join(', '), baseline: '', ratio: '' });
    const medianOf = (k: 'toCore' | 'inCore' | 'back'): string => (legs.length === 0 ? '-' : fmt(percentile(legs.map((l) => l[k]), 50)));
    rows.push({ figure: 'click legs, median (ms): page → core / in core / core → value shown', topiary: `${medianOf('toCore')} / ${medianOf('inCore')} / ${medianOf('back')}`, baseline: '', ratio: '' });
    rows.push({ figure: 'core RSS after the flood (MB)', topiary: fmt(process.memoryUsage().rss / MB), baseline: fmt(base.rss / MB), ratio: ratio(process.memoryUsage().rss, base.rss) });

    // ---- a million distinct topics ---------------------------------------------------------
    console.log(`explorer-path: publishing ${fmt(DISTINCT)} distinct topics …`);
    const baseline2 = await startBaseline(broker.url, 'million/#');
    const many = await publish(broker.url, 'million', 100_000, DISTINCT, DISTINCT, 600_000);
    const held = await settle(() => coreCount(core, connectionId, 'million'), many.sent);
    const base2 = await baseline2.finish();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const pageHeap = await cdp.send('Runtime.getHeapUsage');
    (globalThis as { gc?: () => void }).gc?.();
    const coreMemory = process.memoryUsage();
    const coreRss = coreMemory.rss;
    const browserPids = processTree('chrom');
    const browserMemory = memoryOf(browserPids);
    const browserRss = browserMemory.rss;
    rows.push({ figure: 'distinct topics held', topiary: fmt(held), baseline: fmt(base2.topics), ratio: ratio(held, base2.topics) });
    rows.push({ figure: 'memory: core + browser, RSS summed (MB)', topiary: `${fmt((coreRss + browserRss) / MB)} (${fmt(coreRss / MB)} + ${fmt(browserRss / MB)})`, baseline: fmt(base2.rss / MB), ratio: ratio(coreRss + browserRss, base2.rss) });
    rows.push({ figure: 'memory: core + browser, PSS (shared pages split) (MB)', topiary: `${fmt((memoryOf([process.pid]).pss + browserMemory.pss) / MB)} (${fmt(memoryOf([process.pid]).pss / MB)} + ${fmt(browserMemory.pss / MB)})`, baseline: '', ratio: '' });
    rows.push({ figure: 'core after GC: JS heap / array buffers (MB)', topiary: `${fmt(coreMemory.heapUsed / MB)} / ${fmt(coreMemory.arrayBuffers / MB)}`, baseline: '', ratio: '' });
    rows.push({ figure: 'page JS heap after GC, used / total (MB)', topiary: `${fmt(pageHeap.usedSize / MB, 1)} / ${fmt(pageHeap.totalSize / MB, 1)}`, baseline: '', ratio: '' });
    const byKind = new Map<string, number>();
    for (const pid of browserPids) {
      let kind = 'browser';
      try {
        kind = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
      } catch {
        // Gone.
      }
      byKind.set(kind, (byKind.get(kind) ?? 0) + memoryOf([pid]).pss);
    }
    rows.push({ figure: 'browser PSS by process kind (MB)', topiary: [...byKind].map(([k, v]) => `${k} ${fmt(v / MB)}`).join(', '), baseline: '', ratio: '' });

    // Expand everything under million/ and scroll through the rows.
    await page.getByTestId('tree-collapse-all').click();
    await page.getByTestId('tree-depth').fill('2');
    const expandStarted = Date.now();
    await page.getByTestId('tree-expand-depth').click();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="topic-tree"]')?.getAttribute('data-total')) >= n, held, { timeout: 120_000 });
    const expandMs = Date.now() - expandStarted;
    const total2 = Number(await page.getByTestId('topic-tree').getAttribute('data-total'));
    rows.push({ figure: `expand all to depth 2 (${fmt(total2)} rows) (ms)`, topiary: fmt(expandMs), baseline: '', ratio: '' });
    await cdp.send('HeapProfiler.collectGarbage');
    const expandedHeap = await cdp.send('Runtime.getHeapUsage');
    rows.push({ figure: `page JS heap after GC with ${fmt(total2)} rows expanded, used (MB)`, topiary: fmt(expandedHeap.usedSize / MB, 1), baseline: '', ratio: '' });
    const scroll = await page.evaluate(async (SCROLL_PX) => {
      const tree = document.querySelector<HTMLElement>('[data-testid="topic-tree"]')!;
      const gaps: number[] = [];
      let blank = 0;
      let frames = 0;
      let prev = performance.now();
      const until = prev + 3000;
      await new Promise<void>((resolve) => {
        const step = (t: number): void => {
          gaps.push(t - prev);
          prev = t;
          frames++;
          tree.scrollTop += SCROLL_PX;
          const top = tree.getBoundingClientRect().top + 5;
          const hit = document.elementFromPoint(tree.getBoundingClientRect().left + 40, top + 30);
          if (!hit?.closest('[data-testid="tree-row"]')) blank++;
          if (t < until) requestAnimationFrame(step);
          else resolve();
        };
        requestAnimationFrame(step);
      });
      gaps.sort((a, b) => a - b);
      return { p99: gaps[Math.floor(gaps.length * 0.99)] ?? 0, frames, blank, scrolledTo: tree.scrollTop };
    }, SCROLL_PX_PER_FRAME);
    rows.push({ figure: `scroll ${fmt(total2)} rows at ${SCROLL_PX_PER_FRAME} px/frame: frame gap p99 (ms)`, topiary: fmt(scroll.p99, 1), baseline: '', ratio: '' });
    rows.push({ figure: 'scroll: frames without rows on screen', topiary: `${scroll.blank} of ${scroll.frames}`, baseline: '', ratio: '' });
  } finally {
    await browser.close();
    await host.close();
    await core.close();
    await broker.stop();
    rmSync(userDataDir, { recursive: true, force: true });
  }

  const header: Row = { figure: `explorer path${RECORD ? ', flood recorded' : ''}`, topiary: 'Topiary', baseline: 'bare MQTT.js', ratio: 'ratio' };
  const all = [header, ...rows];
  const w = (k: keyof Row): number => Math.max(...all.map((r) => r[k].length));
  for (const r of all) console.log(`${r.figure.padEnd(w('figure'))}  ${r.topiary.padStart(w('topiary'))}  ${r.baseline.padStart(w('baseline'))}  ${r.ratio.padStart(w('ratio'))}`);
  console.log('(baseline: a bare MQTT.js subscriber in its own process keeping each topic\'s last payload, consuming the same flood in a pass of its own after the app\'s; its event-loop delay stands in for frame gaps)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
