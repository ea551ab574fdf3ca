/**
 * Is what the window shows fresh? Measured through the DOM of the real renderer in headless Chromium, against web mode
 * as a user runs it: `dist/main/web.cjs` in its own process (the core, the web host and the embedded broker on one
 * thread, as the app runs them), with the publishers and a bare MQTT.js subscriber in processes of their own, and this
 * process only driving the browser and asking the core questions over a second web-mode socket.
 *
 *   npm run bench -- freshness          (BENCH_SECONDS=8 per rate; BENCH_RATES=10000,50000,100000)
 *   BENCH_CORE_FLAGS="--max-semi-space-size=8" npm run bench -- freshness   (node flags for the core's process)
 *
 * Per rate: click → the topic's NEWEST value on screen (by sequence number; "older first" counts clicks that showed
 * an older value before it); for the selected topic, publish → visible and core received → visible (the core's own
 * receive stamp of the value shown, read back from the topic's history), the same for that topic's row in the tree
 * (its preview of the last value, a row on screen as any other); publish → visible for the totals; a bare
 * MQTT.js subscriber on the same broker in the same run; frame-gap p99, long tasks and garbage collection pauses in
 * the page (Chromium's trace) and in the core's process (Node's 'gc' performance entries, recorded inside it).
 * Before the floods: connecting to a broker that holds 10,000 retained topics → all of them in the totals.
 * "Visible" is when the page is read just after a frame is painted (`installAfterPaint`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:perf_hooks';
import { chromium, type Page } from 'playwright-core';
import type { ConnectionId } from '../shared/ipc/common';
import { runFlood, type Published } from './flood-publisher';
import { lineFrom, scriptChild } from './script-child';
import { startWebCore } from './web-core-child';

const ROOT = process.cwd();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const RATES = (process.env.BENCH_RATES ?? '10000,50000,100000').split(',').map(Number);
const TOPICS = Number(process.env.BENCH_TOPICS ?? 10_000);
const RETAINED = 10_000;
const CLICKS = Number(process.env.BENCH_CLICKS ?? 7);
const MQTT_PATH = createRequire(join(ROOT, 'package.json')).resolve('mqtt');
const GOALS = { clickMs: 100, visibleP99Ms: 100, retainedMs: 500, gcMs: 20 };


// The baseline: a bare MQTT.js subscriber on the same broker, timing publish → received from every seventh payload's
// stamp (reading each one's would cost the two cores more than the client's own work).
const BASELINE = `
const mqtt = require(process.env.MQTT_PATH);
const lags = [];
let count = 0;
const client = mqtt.connect(process.env.URL, { clientId: 'bench-base-' + process.pid, protocolVersion: 5 });
client.on('message', (topic, payload) => { if (++count % 7 !== 0) return; const t = Number(/"t":(\\d+)/.exec(payload.toString('latin1'))?.[1]); if (t > 0) lags.push(Date.now() - t); });
client.subscribe(process.env.FILTER, { qos: 0 }, () => process.stdout.write('ready\\n'));
process.stdin.on('data', () => {
  lags.sort((a, b) => a - b);
  const p = (q) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0;
  process.stdout.write(JSON.stringify({ count, p50: p(0.5), p99: p(0.99), max: lags[lags.length - 1] ?? 0 }) + '\\n');
  client.end(true, () => process.exit(0));
});
`;

function publish(url: string, prefix: string, rate: number, total: number, limitMs: number, retain = false): Promise<Published> {
  return runFlood({ mqttPath: MQTT_PATH, url, prefix, rate, total, topics: retain ? total : TOPICS, limitMs, retain });
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';
}

function stats(values: readonly number[]): string {
  return `${fmt(percentile(values, 50))} / ${fmt(percentile(values, 99))} / ${fmt(Math.max(...values))}`;
}

/** The stamp message `index` (0-based) carried, from the publisher's log. */
function stampOf(log: Published['log'], index: number): number {
  let lo = 0;
  let hi = log.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid]![0] > index) hi = mid;
    else lo = mid + 1;
  }
  return log[lo]?.[1] ?? Number.NaN;
}

/** The newest message on topic `k` that had been sent by time `at`, or -1. */
function newestSentBy(log: Published['log'], k: number, at: number): number {
  let sent = 0;
  for (const [count, stamp] of log) {
    if (stamp > at) break;
    sent = count;
  }
  const last = sent - 1;
  if (last < k) return -1;
  return last - ((last - k) % TOPICS);
}

/**
 * Installed in the page before it loads: `__afterPaint(f)` runs `f` just after the next frame is painted, so what `f`
 * reads from the DOM is what is on screen, timed as it reaches the screen. (A reader in a frame callback of its own sees
 * the page's work of that frame only when its callback happens to run after the page's, and otherwise a frame late.)
 * A message posted from a frame callback is a task that runs after that frame's rendering.
 */
function installAfterPaint(): void {
  const waiting: (() => void)[] = [];
  const channel = new MessageChannel();
  // The page's MessagePort (Node's types, which this file is checked with, have no `onmessage`).
  (channel.port1 as unknown as { onmessage: () => void }).onmessage = () => {
    for (const f of waiting.splice(0)) f();
  };
  (window as Record<string, unknown>).__afterPaint = (f: () => void): void => {
    requestAnimationFrame(() => {
      waiting.push(f);
      if (waiting.length === 1) channel.port2.postMessage(0);
    });
  };
}

/** Installs the page's recorders: frame gaps, long tasks, shown totals, and a click that follows the inspector. */
async function instrument(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    w.__gaps = [] as number[];
    w.__longtasks = [] as number[];
    w.__totals = [] as [number, number][];
    w.__watchRow = '';
    // Requests the page sends, by name (a load-independent figure: round trips per value shown and per click).
    // A frame is MessagePack: a name is a fixstr, its length in the first byte.
    const asked: Record<string, number> = {};
    w.__asked = asked;
    const names = ['explorer.decode', 'explorer.getTopic', 'explorer.watch', 'explorer.listRows'].map((name) => [name, new TextEncoder().encode(name)] as const);
    const holds = (bytes: Uint8Array, needle: Uint8Array): boolean => {
      outer: for (let i = 1; i + needle.length <= bytes.length; i++) {
        if (bytes[i - 1] !== (0xa0 | needle.length)) continue;
        for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
        return true;
      }
      return false;
    };
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: Parameters<WebSocket['send']>[0]) {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
      if (bytes) for (const [name, needle] of names) if (holds(bytes, needle)) asked[name] = (asked[name] ?? 0) + 1;
      send.call(this, data);
    };
    // 'longtask' is Chromium's entry type (this runs in the page); Node's types, which this file is checked with, lack it.
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) (w.__longtasks as number[]).push(e.duration);
    }).observe({ type: 'longtask' as 'gc', buffered: false });
    let prev = performance.now();
    let lastTotal = -1;
    const afterPaint = w.__afterPaint as (f: () => void) => void;
    const readTotals = (): void => {
      const text = document.querySelector('[data-testid="tree-totals"]')?.textContent ?? '';
      const n = Number(/([\d,]+) messages/.exec(text)?.[1]?.replaceAll(',', '') ?? -1);
      if (n !== lastTotal) {
        lastTotal = n;
        (w.__totals as [number, number][]).push([Date.now(), n]);
      }
    };
    const loop = (t: number): void => {
      (w.__gaps as number[]).push(t - prev);
      prev = t;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    const watch = (): void => {
      if (w.__watchRow) readTotals();
      afterPaint(watch);
    };
    afterPaint(watch);
  });
}

interface ClickTrace {
  readonly at: number;
  /** [when shown (ms epoch), seq, stamp] each time the inspector's value changed. */
  readonly shown: readonly (readonly [number, number, number])[];
  /** The same for the topic's row in the tree (its preview of the last value). */
  readonly rowShown: readonly (readonly [number, number, number])[];
}

/** Clicks a row and records every value the inspector shows for `followMs`. */
function clickAndFollow(page: Page, path: string, followMs: number, click = true): Promise<ClickTrace> {
  return page.evaluate(
    ({ p, followMs, click }) =>
      new Promise<ClickTrace>((resolve, reject) => {
        const row = document.querySelector<HTMLElement>(`[data-testid="tree-row"][data-path="${p}"]`);
        if (!row && click) return reject(new Error(`row ${p} not on screen`));
        const shown: [number, number, number][] = [];
        const rowShown: [number, number, number][] = [];
        const at = Date.now();
        if (click) row!.click();
        let last = '';
        let lastRow = '';
        const stampsIn = (text: string): [number, number] | null => {
          const seq = /"seq":\s*(\d+)/.exec(text);
          const t = /"t":\s*(\d+)/.exec(text);
          return seq && t ? [Number(seq[1]), Number(t[1])] : null;
        };
        const afterPaint = (window as { __afterPaint: (f: () => void) => void }).__afterPaint;
        const check = (): void => {
          const el = document.querySelector(`[data-testid="inspector"][data-topic="${p}"] [data-testid="inspector-payload"]`);
          const text = el?.textContent ?? '';
          if (text !== last) {
            last = text;
            const stamps = stampsIn(text);
            if (stamps) shown.push([Date.now(), ...stamps]);
          }
          const rowText = document.querySelector(`[data-testid="tree-row"][data-path="${p}"] .preview`)?.textContent ?? '';
          if (rowText !== lastRow) {
            lastRow = rowText;
            const stamps = stampsIn(rowText);
            if (stamps) rowShown.push([Date.now(), ...stamps]);
          }
          if (Date.now() - at < followMs) afterPaint(check);
          else resolve({ at, shown, rowShown });
        };
        check();
      }),
    { p: path, followMs, click },
  );
}

interface RateResult {
  readonly rate: number;
  readonly achieved: number;
  readonly clicks: number[];
  readonly clicksHeld: number[];
  readonly olderFirst: number;
  readonly olderThanHeldFirst: number;
  /** Clicks whose inspector did not reach the value the core held at the click within the follow window. */
  readonly missedHeld: number;
  readonly missed: number;
  readonly selectedLags: number[];
  readonly selectedCoreLags: number[];
  /** The followed topic's row in the tree: publish → visible and core received → visible. */
  readonly rowLags: number[];
  readonly rowCoreLags: number[];
  readonly totalLags: number[];
  readonly totalCoreLags: number[];
  readonly base: { count: number; p50: number; p99: number; max: number };
  readonly gapP99: number;
  readonly longtaskMax: number;
  readonly pageGcMax: number;
  readonly coreGcMax: number;
  readonly coreGcOver: number;
  readonly coreGcCount: number;
  readonly coreMajors: number;
  readonly coreMajorMax: number;
  /** Over 20 ms, by kind: scavenges, mark-compacts, incremental marking steps, weak callbacks. */
  readonly coreOverByKind: string;
  readonly coreNewSpaceMb: number;
  /** Requests the page sent during the flood, by name, and the selected-topic values it showed. */
  readonly asked: Readonly<Record<string, number>>;
  readonly valuesShown: number;
  readonly samples: string;
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/renderer/index.html'))) throw new Error('Build the renderer first: node scripts/build.mjs');
  const userDataDir = mkdtempSync(join(tmpdir(), 'topiary-fresh-'));
  const core = await startWebCore(userDataDir, { ownConnection: false });
  const url = core.brokerUrl;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--disable-gpu', '--no-first-run'] });
  const results: RateResult[] = [];
  let retainedMs = Number.NaN;
  try {
    // ---- 10,000 retained topics, shown in how long after connecting ----------------------
    await publish(url, 'kept', 20_000, RETAINED, 60_000, true);
    for (;;) {
      const { total } = await core.client.invoke('broker.listRetained', { prefix: 'kept', limit: 1 });
      if (total >= RETAINED) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript(installAfterPaint);
    await page.goto(core.pageUrl);
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60_000 });
    await page.getByTestId('broker-url').fill(url);
    retainedMs = await page.evaluate(
      (n) =>
        new Promise<number>((resolve, reject) => {
          const t0 = performance.now();
          document.querySelector<HTMLElement>('[data-testid="connect-button"]')!.click();
          const afterPaint = (window as { __afterPaint: (f: () => void) => void }).__afterPaint;
          const check = (): void => {
            const text = document.querySelector('[data-testid="tree-totals"]')?.textContent ?? '';
            const topics = Number(/([\d,]+) topics/.exec(text)?.[1]?.replaceAll(',', '') ?? 0);
            const row = document.querySelector('[data-testid="tree-row"][data-path="kept"] [data-testid="row-counts"]');
            if (topics >= n && Number(row?.getAttribute('data-messages') ?? 0) >= n) resolve(performance.now() - t0);
            else if (performance.now() - t0 > 30_000) reject(new Error(`only ${text} after 30 s`));
            else afterPaint(check);
          };
          afterPaint(check);
        }),
      RETAINED,
    );
    // The composer's editor loads a second after the window opens (after the connection's retained burst, which is
    // what that wait is for); the floods are timed once it is in place, as the window stands after its first seconds.
    await page.locator('.monaco-editor').waitFor({ timeout: 60_000 });
    const connectionId: ConnectionId = (await core.client.invoke('connections.list', {}))[0]!.connectionId;
    /** The newest sequence number the core holds for a topic right now (-1 for none). */
    const coreNewest = async (topic: string): Promise<number> => {
      const detail = await core.client.invoke('explorer.getTopic', { connectionId, topic });
      const text = detail.lastMessage ? Buffer.from(detail.lastMessage.payload).toString('latin1') : '';
      return Number(/"seq":\s*(\d+)/.exec(text)?.[1] ?? -1);
    };
    /** When the core received each message of a topic it still holds, by sequence number (its history's stamps). */
    const coreReceived = async (topic: string): Promise<Map<number, number>> => {
      const page = await core.client.invoke('explorer.listHistory', { connectionId, topic, limit: 1000 });
      const out = new Map<number, number>();
      for (const item of page.items) {
        const seq = /"seq":\s*(\d+)/.exec(item.preview)?.[1];
        if (seq !== undefined) out.set(Number(seq), item.receivedAt);
      }
      return out;
    };
    console.log(`freshness: ${fmt(RETAINED)} retained topics shown in ${fmt(retainedMs)} ms (load ${loadavg()})`);
    await instrument(page);
    await core.gc();

    for (const rate of RATES) {
      const prefix = `f${rate / 1000}k`;
      const total = rate * SECONDS;
      const baseline = scriptChild(BASELINE, MQTT_PATH, { URL: url, FILTER: `${prefix}/#` });
      await lineFrom(baseline);
      await core.gc();
      await page.evaluate(() => {
        const w = window as unknown as Record<string, unknown>;
        w.__gaps = [];
        w.__longtasks = [];
        w.__totals = [];
        const asked = w.__asked as Record<string, number>;
        for (const k of Object.keys(asked)) asked[k] = 0;
      });
      await browser.startTracing(page, { categories: ['devtools.timeline', 'v8', 'disabled-by-default-v8.gc'] });
      console.log(`freshness: ${fmt(rate)} msg/s over ${fmt(TOPICS)} topics for ${SECONDS} s …`);
      // Collapsed, so this rate's prefix is on screen (the virtualised tree renders only what is); then one message
      // per topic and the rows the clicks need opened before the flood, so the clicks fall inside it.
      await page.getByTestId('tree-collapse-all').click();
      await publish(url, prefix, Math.min(rate, 20_000), TOPICS, 60_000);
      await page.locator(`[data-testid="tree-row"][data-path="${prefix}"] [data-testid="tree-toggle"]`).click({ timeout: 30_000 });
      await page.locator(`[data-testid="tree-row"][data-path="${prefix}/line3"] [data-testid="tree-toggle"]`).click({ timeout: 30_000 });
      await page.locator(`[data-testid="tree-row"][data-path="${prefix}/line3/sensor3"]`).waitFor({ timeout: 30_000 });
      await page.waitForFunction(
        ({ p, n }) => Number(document.querySelector(`[data-testid="tree-row"][data-path="${p}"] [data-testid="row-counts"]`)?.getAttribute('data-messages') ?? 0) >= n,
        { p: prefix, n: TOPICS },
        { timeout: 60_000 },
      );
      // The totals before this flood: what it adds is counted from here.
      const totalsBefore = await page.evaluate(() => Number(/([\d,]+) messages/.exec(document.querySelector('[data-testid="tree-totals"]')?.textContent ?? '')?.[1]?.replaceAll(',', '') ?? 0));
      await page.evaluate((p) => ((window as unknown as Record<string, unknown>).__watchRow = p), prefix);
      const flood = publish(url, prefix, rate, total, SECONDS * 1000);
      // Clicks start once the flood shows, so each has a newest value to find.
      await page.waitForFunction(
        (before) => Number(/([\d,]+) messages/.exec(document.querySelector('[data-testid="tree-totals"]')?.textContent ?? '')?.[1]?.replaceAll(',', '') ?? 0) > before + 100,
        totalsBefore,
        { timeout: 60_000 },
      );
      const traces: { k: number; trace: ClickTrace; held: number }[] = [];
      const started = Date.now();
      for (let i = 0; i < CLICKS && Date.now() - started < SECONDS * 1000 - 3000; i++) {
        const k = 3 + 100 * i;
        const topic = `${prefix}/line3/sensor${k}`;
        const held = await coreNewest(topic);
        traces.push({ k, held, trace: await clickAndFollow(page, topic, 600) });
      }
      // The last topic stays selected until the flood ends: its later values are publish → visible samples.
      const lastK = traces[traces.length - 1]?.k;
      const following = lastK === undefined ? null : clickAndFollow(page, `${prefix}/line3/sensor${lastK}`, Math.max(0, SECONDS * 1000 - (Date.now() - started)), false);
      const published = await flood;
      const followed = await following;
      if (followed && lastK !== undefined) traces.push({ k: lastK, held: -1, trace: followed });
      await page.evaluate(() => ((window as unknown as Record<string, unknown>).__watchRow = ''));
      const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: { name: string; ph: string; dur?: number }[] };
      const pageGc = trace.traceEvents.filter((e) => (e.name === 'MajorGC' || e.name === 'MinorGC') && e.dur !== undefined).map((e) => e.dur! / 1000);
      const base = JSON.parse(await (async () => {
        const answer = lineFrom(baseline);
        baseline.stdin!.write('report\n');
        return answer;
      })()) as RateResult['base'];
      const { gaps, longtasks, totals, asked } = await page.evaluate(() => {
        const w = window as unknown as { __gaps: number[]; __longtasks: number[]; __totals: [number, number][]; __asked: Record<string, number> };
        return { gaps: w.__gaps, longtasks: w.__longtasks, totals: w.__totals, asked: { ...w.__asked } };
      });

      const coreGc = await core.gc();
      // The core's own receive stamps: of the clicked topics' values, and of the message each totals sample ends on
      // (message n of the flood went to topic n % TOPICS); at most 300 history reads, spread over the samples.
      const floodTotals = totals.map(([when, n]) => [when, n - totalsBefore] as const).filter(([, n]) => n > 0 && n <= published.sent);
      const step = Math.max(1, Math.ceil(floodTotals.length / 250));
      const sampledTotals = floodTotals.filter((_, i) => i % step === 0);
      const received = new Map<number, Map<number, number>>();
      const receivedOf = async (k: number): Promise<Map<number, number>> => {
        let got = received.get(k);
        if (!got) received.set(k, (got = await coreReceived(`${prefix}/line${k % 100}/sensor${k}`)));
        return got;
      };
      for (const { k } of traces) await receivedOf(k);
      for (const [, n] of sampledTotals) await receivedOf((n - 1) % TOPICS);

      if (process.env.BENCH_DEBUG) for (const { k, trace: t } of traces) console.log(k, t.at, newestSentBy(published.log, k, t.at), JSON.stringify(t.shown));
      const clicks: number[] = [];
      const clicksHeld: number[] = [];
      let olderFirst = 0;
      let olderThanHeldFirst = 0;
      let missedHeld = 0;
      let missed = 0;
      const selectedLags: number[] = [];
      const selectedCoreLags: number[] = [];
      const rowLags: number[] = [];
      const rowCoreLags: number[] = [];
      for (const [i, { k, trace: t, held }] of traces.entries()) {
        const target = newestSentBy(published.log, k, t.at);
        const stamps = received.get(k)!;
        // Once the click is answered, every later value is a publish → visible (and core received → visible) sample.
        const later = (): void => {
          for (const [when, seq, stamp] of t.shown) {
            if (seq <= target) continue;
            selectedLags.push(when - stamp);
            const at = stamps.get(seq);
            if (at !== undefined) selectedCoreLags.push(when - at);
          }
        };
        if (following !== null && i === traces.length - 1) {
          later();
          // The row of the followed topic, on screen in the tree: every value it showed that was sent after the
          // following began (what it showed before is not a sample: the first reading is only when it was looked at).
          for (const [when, seq, stamp] of t.rowShown) {
            if (seq <= target) continue;
            rowLags.push(when - stamp);
            const at = stamps.get(seq);
            if (at !== undefined) rowCoreLags.push(when - at);
          }
          continue;
        }
        // The page's own part: the newest value the core held when the click was made.
        const heldHit = t.shown.find(([, seq]) => seq >= held);
        if (heldHit) clicksHeld.push(heldHit[0] - t.at);
        else missedHeld++;
        if (t.shown.length > 0 && t.shown[0]![1] < held) olderThanHeldFirst++;
        const hit = t.shown.find(([, seq]) => seq >= target);
        if (!hit) missed++;
        else clicks.push(hit[0] - t.at);
        if (t.shown.length > 0 && t.shown[0]![1] < target) olderFirst++;
        later();
      }
      const totalLags = floodTotals.map(([when, n]) => when - stampOf(published.log, n - 1));
      const totalCoreLags: number[] = [];
      for (const [when, n] of sampledTotals) {
        const at = received.get((n - 1) % TOPICS)?.get(n - 1);
        if (at !== undefined) totalCoreLags.push(when - at);
      }
      const gcHere = coreGc.entries.map(([, ms]) => ms);
      // Node's kinds: 1 scavenge, 4 mark-compact, 8 incremental marking, 16 weak callbacks (perf_hooks.constants).
      const majors = coreGc.entries.filter(([, , kind]) => kind === constants.NODE_PERFORMANCE_GC_MAJOR).map(([, ms]) => ms);
      results.push({
        rate,
        achieved: published.sent / (published.ms / 1000),
        clicks,
        clicksHeld,
        olderFirst,
        olderThanHeldFirst,
        missedHeld,
        missed,
        selectedLags,
        selectedCoreLags,
        rowLags,
        rowCoreLags,
        totalLags,
        totalCoreLags,
        base,
        gapP99: percentile(gaps, 99),
        longtaskMax: Math.max(0, ...longtasks),
        pageGcMax: Math.max(0, ...pageGc),
        coreGcMax: Math.max(0, ...gcHere),
        coreGcOver: gcHere.filter((ms) => ms > GOALS.gcMs).length,
        coreGcCount: gcHere.length,
        coreMajors: majors.length,
        coreMajorMax: Math.max(0, ...majors),
        coreOverByKind: (
          [
            [constants.NODE_PERFORMANCE_GC_MINOR, 'scavenge'],
            [constants.NODE_PERFORMANCE_GC_MAJOR, 'mark-compact'],
            [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'marking step'],
            [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weak callbacks'],
          ] as const
        )
          .map(([kind, name]) => `${coreGc.entries.filter(([, ms, k]) => k === kind && ms > GOALS.gcMs).length} ${name}`)
          .join(', '),
        coreNewSpaceMb: coreGc.newSpace / 1024 / 1024,
        asked,
        valuesShown: traces.reduce((sum, { trace: t }) => sum + t.shown.length, 0),
        samples: `${traces.length - (following ? 1 : 0)} clicks, ${selectedLags.length} selected-topic values, ${rowLags.length} row values, ${totalLags.length} totals`,
      });
      console.log(`freshness: ${fmt(rate)} done (load ${loadavg()})`);
    }
  } finally {
    await browser.close();
    await core.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }

  const holds = (ok: boolean): string => (ok ? 'holds' : 'MISSED');
  const lines: [string, ...string[]][] = [['figure (p50 / p99 / max ms)', ...results.map((r) => `${fmt(r.rate)}/s`)]];
  lines.push(['publisher achieved (msg/s)', ...results.map((r) => fmt(r.achieved))]);
  lines.push(['click → the newest value the core held at the click', ...results.map((r) => `${stats(r.clicksHeld)} (${r.clicksHeld.length} clicks${r.missedHeld ? `, ${r.missedHeld} never` : ''})`)]);
  lines.push(['clicks that first showed a value older than the core held', ...results.map((r) => `${r.olderThanHeldFirst} of ${r.clicksHeld.length + r.missedHeld}`)]);
  lines.push(['click → newest value published before the click', ...results.map((r) => `${stats(r.clicks)} (${r.clicks.length} clicks${r.missed ? `, ${r.missed} never` : ''})`)]);
  lines.push(['clicks that first showed a value older than published', ...results.map((r) => `${r.olderFirst} of ${r.clicks.length + r.missed}`)]);
  lines.push(['core received → visible, selected topic', ...results.map((r) => stats(r.selectedCoreLags))]);
  lines.push(["core received → visible, that topic's row in the tree", ...results.map((r) => stats(r.rowCoreLags))]);
  lines.push(['core received → visible, totals (sampled)', ...results.map((r) => stats(r.totalCoreLags))]);
  lines.push(['publish → visible, selected topic', ...results.map((r) => stats(r.selectedLags))]);
  lines.push(["publish → visible, that topic's row in the tree", ...results.map((r) => stats(r.rowLags))]);
  lines.push(['publish → visible, totals', ...results.map((r) => stats(r.totalLags))]);
  lines.push(['publish → received, bare MQTT.js subscriber (own process)', ...results.map((r) => `${fmt(r.base.p50)} / ${fmt(r.base.p99)} / ${fmt(r.base.max)}`)]);
  lines.push([
    'page requests: explorer.decode per value shown / getTopic per click',
    ...results.map((r) => `${fmt((r.asked['explorer.decode'] ?? 0) / Math.max(1, r.valuesShown), 2)} (${r.asked['explorer.decode'] ?? 0} for ${r.valuesShown}) / ${fmt((r.asked['explorer.getTopic'] ?? 0) / Math.max(1, r.clicks.length + r.missed), 2)}`),
  ]);
  lines.push(['page frame gap p99 (ms)', ...results.map((r) => fmt(r.gapP99))]);
  lines.push(['page longest task / longest GC (ms)', ...results.map((r) => `${fmt(r.longtaskMax)} / ${fmt(r.pageGcMax)}`)]);
  lines.push(['core process: GCs, longest (ms), over 20 ms', ...results.map((r) => `${r.coreGcCount}, ${fmt(r.coreGcMax)}, ${r.coreGcOver}`)]);
  lines.push(['core process: full (mark-compact) GCs, longest (ms)', ...results.map((r) => `${r.coreMajors}, ${fmt(r.coreMajorMax)}`)]);
  lines.push(['core process: pauses over 20 ms, by kind', ...results.map((r) => r.coreOverByKind)]);
  lines.push(['core process: young generation size (MB)', ...results.map((r) => fmt(r.coreNewSpaceMb, 1))]);
  lines.push(['samples', ...results.map((r) => r.samples)]);
  lines.push([
    `goals: click ≤ ${GOALS.clickMs} ms, never older first (vs the core) / core → visible p99 ≤ ${GOALS.visibleP99Ms} ms (topic, row, totals) / core GC ≤ ${GOALS.gcMs} ms`,
    ...results.map(
      (r) =>
        `${holds(r.clicksHeld.length > 0 && r.missedHeld === 0 && r.olderThanHeldFirst === 0 && Math.max(...r.clicksHeld) <= GOALS.clickMs)}, ${holds(percentile(r.selectedCoreLags, 99) <= GOALS.visibleP99Ms && percentile(r.rowCoreLags, 99) <= GOALS.visibleP99Ms && percentile(r.totalCoreLags, 99) <= GOALS.visibleP99Ms)}, ${holds(r.coreGcMax <= GOALS.gcMs)}`,
    ),
  ]);
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  for (const l of lines) console.log(l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log(`${fmt(RETAINED)} retained topics shown after connecting: ${fmt(retainedMs)} ms (goal ≤ ${GOALS.retainedMs} ms: ${holds(retainedMs <= GOALS.retainedMs)})`);
  console.log(
    `where: web mode (dist/main/web.cjs: core, web host and embedded broker) in its own process${core.flags.length > 0 ? ` with ${core.flags.join(' ')}` : ''}; ` +
      'publishers and the bare subscriber in their own processes; this process drives Chromium and asks the core over a second socket. ' +
      '"core received" is the core\'s receive stamp of the value shown (its history); "publish" is the publisher\'s stamp in the payload.',
  );
  console.log(`load average ${loadavg()}`);
}

function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
