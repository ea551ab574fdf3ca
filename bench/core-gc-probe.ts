/**
 * Diagnostic, not a benchmark: what a flood costs the core's garbage collector, as amounts a busy machine does not
 * change (bytes that survive a young-generation collection and bytes promoted to the old generation, per message),
 * beside the pauses (which a busy machine does stretch). Web mode as a user starts it (`dist/main/web.cjs`: the
 * core, the web host and the embedded broker in one process), connected to its broker from the page as a user
 * connects (with no page: web mode's own connection) after 10,000 retained topics were published, then a raw-socket
 * publisher flooding 10,000 other topics.
 *   node scripts/bench.mjs core-gc-probe
 *   GC_PROBE_FLAGS='||--max-semi-space-size=4'   variants of the core's node flags, '||'-separated ('' = none); the
 *   hosts set gc-tuning.ts's flags at start-up, after these
 *   GC_PROBE_LOG=FILE keeps the core's GC trace (with '--trace-pretenuring' among the flags: which allocation sites
 *   V8 moved to the old generation)
 *   GC_PROBE_BROKER=mosquitto   the page's connection, the flood and the subscriber go through Debian's mosquitto (as in
 *   the explorer bench) instead of web mode's embedded broker, which then idles
 *   GC_PROBE_RATE=50000 GC_PROBE_SECONDS=6   GC_PROBE_PAGE=0: no page (by default a page in headless Chromium shows the
 *   tree with one topic of the flood selected, as the freshness bench's page does)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startMosquitto } from '../src-main/test-support/mosquitto';
import { runFlood } from './flood-publisher';
import { cpuMsOf, processTree } from './proc-stats';
import { lineFrom, scriptChild } from './script-child';
import { startWebCore } from './web-core-child';

const ROOT = process.cwd();
const MQTT_PATH = createRequire(join(ROOT, 'package.json')).resolve('mqtt');
const VARIANTS = (process.env.GC_PROBE_FLAGS ?? '').split('||');
const RATE = Number(process.env.GC_PROBE_RATE ?? 50_000);
const SECONDS = Number(process.env.GC_PROBE_SECONDS ?? 6);
// GC_PROBE_RETAINED: retained topics on the broker before the page connects (10,000, as the freshness bench has; what
// V8 learned from keeping them once made every later message's objects survive scavenges).
const RETAINED = Number(process.env.GC_PROBE_RETAINED ?? 10_000);
const PAGE = process.env.GC_PROBE_PAGE !== '0' && process.env.GC_PROBE_PAGE !== 'none';
// GC_PROBE_PAGE=none: no page and no connection of the core's own either (the broker alone, feeding the subscriber).
const OWN_CONNECTION = !PAGE && process.env.GC_PROBE_PAGE !== 'none';
// A second subscriber on the broker, an MQTT.js client in its own process reading every seventh payload's stamp, as the
// freshness bench's baseline does (GC_PROBE_SUBSCRIBER=0: none).
const SUBSCRIBER = process.env.GC_PROBE_SUBSCRIBER !== '0';
const MOSQUITTO = process.env.GC_PROBE_BROKER === 'mosquitto';
const BARE = `
const mqtt = require(process.env.MQTT_PATH);
const client = mqtt.connect(process.env.URL, { clientId: 'gc-probe-sub-' + process.pid, protocolVersion: 5 });
let latest = 0;
let count = 0;
client.on('message', (topic, payload) => { if (++count % 7 === 0) latest = Number(/"t":(\\d+)/.exec(payload.toString('latin1'))?.[1]) || latest; });
client.subscribe('gcprobe/#', { qos: 0 }, () => process.stdout.write('ready\\n'));
`;

interface Scavenge {
  readonly pause: number;
  readonly survived: number;
  readonly promoted: number;
}

/** The young-generation collections in `--trace-gc-nvp` output. */
function scavenges(log: string): Scavenge[] {
  const out: Scavenge[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes(' gc=s ')) continue;
    const field = (name: string): number => Number(new RegExp(`\\b${name}=([0-9.]+)`).exec(line)?.[1] ?? 0);
    out.push({ pause: field('pause'), survived: field('new_space_survived'), promoted: field('promoted') });
  }
  return out;
}

/** The pauses of full (mark-compact) collections in `--trace-gc-nvp` output. */
function fullCollections(log: string): number[] {
  return log
    .split('\n')
    .filter((line) => line.includes(' gc=mc '))
    .map((line) => Number(/\bpause=([0-9.]+)/.exec(line)?.[1] ?? 0));
}

async function probe(flags: readonly string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'topiary-gc-probe-'));
  let log = '';
  let collecting = false;
  const core = await startWebCore(dir, { ownConnection: OWN_CONNECTION, flags: ['--trace-gc', '--trace-gc-nvp', ...flags], output: (t) => collecting && (log += t) });
  // As the explorer bench runs mosquitto: no limit on a slow subscriber's queue.
  const mosquitto = MOSQUITTO ? await startMosquitto({ quiet: true, config: ['max_queued_messages 0', 'max_queued_bytes 0'] }) : null;
  const brokerUrl = mosquitto?.url ?? core.brokerUrl;
  const browser = PAGE ? await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--disable-gpu', '--no-first-run'] }) : null;
  let bare: ReturnType<typeof scriptChild> | null = null;
  try {
    if (RETAINED > 0) await runFlood({ mqttPath: MQTT_PATH, url: brokerUrl, prefix: 'kept', rate: 20_000, total: RETAINED, topics: RETAINED, limitMs: 60_000, retain: true });
    const page = browser ? await browser.newPage({ viewport: { width: 1280, height: 800 } }) : null;
    await page?.goto(core.pageUrl);
    await page?.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60_000 });
    // As a user connects (and as the freshness bench does): the page's own connection, web mode's let go.
    await page?.getByTestId('broker-url').fill(brokerUrl);
    await page?.getByTestId('connect-button').click();
    bare = SUBSCRIBER ? scriptChild(BARE, MQTT_PATH, { URL: brokerUrl }) : null;
    if (bare) await lineFrom(bare);
    collecting = true;
    const publisher = runFlood({ mqttPath: MQTT_PATH, url: brokerUrl, prefix: 'gcprobe', rate: RATE, total: RATE * SECONDS, topics: 10_000, limitMs: SECONDS * 1000 + 5000 });
    if (page) {
      const row = (path: string): string => `[data-testid="tree-row"][data-path="${path}"]`;
      await page.locator(`${row('gcprobe')} [data-testid="tree-toggle"]`).click({ timeout: 30_000 });
      await page.locator(`${row('gcprobe/line3')} [data-testid="tree-toggle"]`).click({ timeout: 30_000 });
      await page.locator(row('gcprobe/line3/sensor3')).click({ timeout: 30_000 });
    }
    // GC_PROBE_PAGE_PROFILE=FILE: the page's CPU profile over the flood (Chrome's .cpuprofile format).
    const pageProfiler = page && process.env.GC_PROBE_PAGE_PROFILE ? await page.context().newCDPSession(page) : null;
    await pageProfiler?.send('Profiler.enable');
    await pageProfiler?.send('Profiler.start');
    // GC_PROBE_PAGE_TRACE=FILE: Chromium's trace of the page over the flood (rendering steps and their times).
    if (page && browser && process.env.GC_PROBE_PAGE_TRACE) await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    const cpuBefore = core.cpuSeconds();
    // The browser's processes, as the explorer bench counts them.
    const browserPids = page ? processTree('chrom') : [];
    const pageCpuBefore = cpuMsOf(browserPids) / 1000;
    const started = Date.now();
    const { sent } = await publisher;
    collecting = false;
    if (browser && process.env.GC_PROBE_PAGE_TRACE) writeFileSync(process.env.GC_PROBE_PAGE_TRACE, await browser.stopTracing());
    if (pageProfiler) writeFileSync(process.env.GC_PROBE_PAGE_PROFILE!, JSON.stringify((await pageProfiler.send('Profiler.stop')).profile));
    const cpu = core.cpuSeconds() - cpuBefore;
    const pageCpu = cpuMsOf(browserPids) / 1000 - pageCpuBefore;
    const busy = cpu / ((Date.now() - started) / 1000);
    if (process.env.GC_PROBE_LOG) writeFileSync(process.env.GC_PROBE_LOG, log);
    const s = scavenges(log);
    const sum = (f: (x: Scavenge) => number): number => s.reduce((a, x) => a + f(x), 0);
    const pauses = s.map((x) => x.pause).sort((a, b) => a - b);
    const full = fullCollections(log);
    return [
      `messages ${sent.toLocaleString('en')}`,
      `core CPU ${(busy * 100).toFixed(0)}% (${((cpu / sent) * 1e6).toFixed(1)} µs/msg, GC threads and all)`,
      ...(page ? [`browser CPU ${((pageCpu / ((Date.now() - started) / 1000)) * 100).toFixed(0)}%`] : []),
      `scavenges ${s.length}`,
      `survived ${(sum((x) => x.survived) / sent).toFixed(0)} B/msg`,
      `promoted ${(sum((x) => x.promoted) / sent).toFixed(0)} B/msg`,
      `survived per scavenge ${(sum((x) => x.survived) / Math.max(1, s.length) / 1024).toFixed(0)} KB`,
      `full collections ${full.length}, longest ${Math.max(0, ...full).toFixed(1)} ms`,
      `scavenge pause sum ${sum((x) => x.pause).toFixed(0)} ms, p50 ${(pauses[pauses.length >> 1] ?? 0).toFixed(1)}, p99 ${(pauses[Math.floor(pauses.length * 0.99)] ?? 0).toFixed(1)}, max ${(pauses.at(-1) ?? 0).toFixed(1)}, over 20 ms ${pauses.filter((p) => p > 20).length}`,
    ].join(' · ');
  } finally {
    bare?.kill();
    await browser?.close();
    await core.close();
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const variant of VARIANTS) {
  const flags = variant.split(' ').filter((f) => f !== '');
  console.log(`core-gc-probe [${flags.join(' ') || 'as is'}]${MOSQUITTO ? ' through mosquitto' : ''} ${RATE.toLocaleString('en')} msg/s for ${SECONDS} s: ${await probe(flags)} (load ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
}
