/**
 * Diagnostic, not a benchmark: what the page's main thread does under a steady flood, as counts and CPU time that
 * a busy machine does not change much (Chromium trace: Paint, Layerize, style and layout per frame), and React's
 * commits and components rendered (a stand-in DevTools hook), per flood commit and per click on a tree row.
 *   node scripts/bench.mjs paint-probe   (PROBE_RATE=3000 msg/s, PROBE_CLICKS=2 rounds of 6 clicks, PROBE_IDLE=1: the defaults)
 *   PROBE_CSS='||.tree-row svg { display: none }' …   variants of injected CSS, '||'-separated ('' = as is), to bisect
 *   PROBE_PAINTS=1 names the elements whose layers paint; PROBE_ALL=1 lists every trace event by CPU time;
 *   PROBE_COMMITS=1 lists the components each commit of the last click rendered.
 * Component names are minified unless the renderer is built unminified.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createAppCore } from '../src-main/core/app-core';
import { startMosquitto } from '../src-main/test-support/mosquitto';
import { scriptWorkerFile } from '../src-main/test-support/worker-file';
import { startWebHost } from '../src-main/web/web-host';
import { scriptChild } from './script-child';
import { createRequire } from 'node:module';

const ROOT = process.cwd();
const MQTT_PATH = createRequire(join(ROOT, 'package.json')).resolve('mqtt');
const VARIANTS = (process.env.PROBE_CSS ?? '').split('||');
const RATE = Number(process.env.PROBE_RATE ?? 3_000);
const TRACE_MS = Number(process.env.PROBE_MS ?? 3000);

const PUBLISHER = `
const mqtt = require(process.env.MQTT_PATH);
const c = mqtt.connect(process.env.URL);
const rate = +process.env.RATE;
let i = 0;
c.on('connect', () => {
  const start = Date.now();
  let sent = 0;
  setInterval(() => {
    const due = Math.floor(((Date.now() - start) / 1000) * rate);
    while (sent < due) { c.publish('flood/line' + (i % 100) + '/sensor' + i, 'A'.repeat(100)); i = (i + 1) % 10000; sent++; }
  }, 10);
});
`;

interface Ev {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly dur?: number;
  readonly args?: { name?: string };
}

/** Counts React commits and the components each renders (as React DevTools decides "did render"). */
const HOOK = `
(() => {
  const stats = { commits: 0, rendered: 0, names: {}, log: [] };
  window.__reactStats = stats;
  const nameOf = (f) => { const t = f.type; return (t && (t.displayName || t.name)) || (t && t.render && (t.render.displayName || t.render.name)) || (t && t.type && (t.type.displayName || t.type.name)) || String(f.tag); };
  const isComponent = (f) => f.tag === 0 || f.tag === 1 || f.tag === 11 || f.tag === 14 || f.tag === 15;
  const walk = (next, prev) => {
    if (isComponent(next) && (prev === null || (next.flags & 1) === 1)) { stats.rendered++; const n = nameOf(next); stats.names[n] = (stats.names[n] || 0) + 1; if (stats.current) stats.current[n] = (stats.current[n] || 0) + 1; }
    if (prev !== null && next.child === prev.child) return;
    for (let c = next.child; c !== null; c = c.sibling) walk(c, c.alternate);
  };
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true, renderers: new Map(), isDisabled: false,
    inject() { return 1; }, checkDCE() {}, onScheduleFiberRoot() {}, onCommitFiberUnmount() {}, onPostCommitFiberRoot() {},
    onCommitFiberRoot(_id, root) { stats.commits++; stats.current = {}; const cur = root.current; walk(cur, cur.alternate); stats.log.push(stats.current); stats.current = null; },
  };
})();
`;

async function clickProbe(page: import('playwright-core').Page, browser: import('playwright-core').Browser, rounds: number): Promise<void> {
  const paths: string[] = [];
  for (let r = 0; r < rounds; r++) for (const n of [3, 103, 203, 303, 403, 503]) paths.push(`flood/line3/sensor${n}`);
  await page.locator('[data-testid="tree-row"][data-path="flood/line3/sensor503"]').waitFor();
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'] });
  const results: { ms: number; commits: number; rendered: number; names: Record<string, number>; log: Record<string, number>[] }[] = [];
  for (const p of paths) {
    await page.waitForTimeout(300);
    results.push(
      await page.evaluate(
        (path) =>
          new Promise<{ ms: number; commits: number; rendered: number; names: Record<string, number>; log: Record<string, number>[] }>((resolve, reject) => {
            const stats = (window as unknown as { __reactStats: { commits: number; rendered: number; names: Record<string, number>; log: Record<string, number>[] } }).__reactStats;
            stats.commits = 0;
            stats.rendered = 0;
            stats.names = {};
            stats.log = [];
            const row = document.querySelector<HTMLElement>(`[data-testid="tree-row"][data-path="${path}"]`);
            if (!row) return reject(new Error(`no row ${path}`));
            console.timeStamp('probe-click-start');
            const t0 = performance.now();
            row.click();
            const check = (): void => {
              const payload = document.querySelector(`[data-testid="inspector"][data-topic="${path}"] [data-testid="inspector-payload"]`);
              if (payload && (payload.textContent ?? '').length > 0) {
                console.timeStamp('probe-click-end');
                resolve({ ms: performance.now() - t0, commits: stats.commits, rendered: stats.rendered, names: { ...stats.names }, log: [...stats.log] });
              } else if (performance.now() - t0 > 10_000) reject(new Error('timeout'));
              else requestAnimationFrame(check);
            };
            check();
          }),
        p,
      ),
    );
  }
  const buf = await browser.stopTracing();
  const events = (JSON.parse(buf.toString()) as { traceEvents: (Ev & { ts: number; tdur?: number; args?: { data?: { message?: string } } })[] }).traceEvents;
  const main = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const onMain = events.filter((e) => main.some((m) => m.pid === e.pid && m.tid === e.tid));
  const stamps = onMain.filter((e) => e.name === 'TimeStamp').map((e) => ({ ts: e.ts, msg: e.args?.data?.message }));
  const windows: [number, number][] = [];
  for (let i = 0; i < stamps.length; i++) if (stamps[i]!.msg === 'probe-click-start' && stamps[i + 1]?.msg === 'probe-click-end') windows.push([stamps[i]!.ts, stamps[i + 1]!.ts]);
  const sums = new Map<string, { n: number; cpu: number; wall: number }>();
  for (const e of onMain) {
    if (e.ph !== 'X') continue;
    if (!windows.some(([a, b]) => e.ts >= a && e.ts <= b)) continue;
    const s = sums.get(e.name) ?? { n: 0, cpu: 0, wall: 0 };
    s.n++;
    s.cpu += (e.tdur ?? 0) / 1000;
    s.wall += (e.dur ?? 0) / 1000;
    sums.set(e.name, s);
  }
  const k = windows.length;
  const paintBy = new Map<number, { n: number; cpu: number }>();
  for (const e of onMain) {
    if (e.ph !== 'X' || e.name !== 'Paint' || !windows.some(([a, b]) => e.ts >= a && e.ts <= b)) continue;
    const id = (e.args as { data?: { nodeId?: number } }).data?.nodeId ?? 0;
    const s = paintBy.get(id) ?? { n: 0, cpu: 0 };
    s.n++;
    s.cpu += (e.tdur ?? 0) / 1000;
    paintBy.set(id, s);
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.getDocument', { depth: 0 });
  for (const [id, s] of [...paintBy].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, 8)) {
    let what = '?';
    try {
      const { nodeIds } = await cdp.send('DOM.pushNodesByBackendIdsToFrontend', { backendNodeIds: [id] });
      what = (await cdp.send('DOM.getOuterHTML', { nodeId: nodeIds[0]! })).outerHTML.slice(0, 140).replace(/\n/g, ' ');
    } catch {
      // gone
    }
    console.log(`  paint per click: ${(s.n / k).toFixed(1)} × ${(s.cpu / k).toFixed(2)} ms  node ${id} ${what}`);
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(`\n--- clicks: ${results.length} (${k} windows in trace), load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log(`click → value ms: median ${med(results.map((r) => r.ms)).toFixed(1)}  all ${results.map((r) => r.ms.toFixed(0)).join(' ')}`);
  console.log(`react commits per click: ${results.map((r) => r.commits).join(' ')}; components rendered: ${results.map((r) => r.rendered).join(' ')}`);
  const names = new Map<string, number>();
  for (const r of results) for (const [n, c] of Object.entries(r.names)) names.set(n, (names.get(n) ?? 0) + c / results.length);
  console.log(`components per click: ${[...names].sort((a, b) => b[1] - a[1]).slice(0, 80).map(([n, c]) => `${n} ${c.toFixed(1)}`).join(', ')}`);
  // PROBE_COMMITS=1: each commit of the last click, with the components it rendered (what to cut next).
  if (process.env.PROBE_COMMITS) for (const [i, c] of (results[results.length - 1]?.log ?? []).entries()) console.log(`  last click, commit ${i + 1}: ${Object.entries(c).map(([n, k]) => `${n} ${k}`).join(', ')}`);
  console.log('main thread per click (count, cpu ms, wall ms):');
  for (const [name, s] of [...sums].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, 22)) console.log(`  ${name.padEnd(30)} ${(s.n / k).toFixed(1).padStart(6)} ${(s.cpu / k).toFixed(1).padStart(7)} ${(s.wall / k).toFixed(1).padStart(7)}`);
}

async function main(): Promise<void> {
  const broker = await startMosquitto({ config: ['max_queued_messages 0', 'max_queued_bytes 0'] });
  const userDataDir = mkdtempSync(join(tmpdir(), 'topiary-probe-'));
  const core = await createAppCore({ userDataDir, autoStartBroker: false, scriptWorkerFile: await scriptWorkerFile() } as Parameters<typeof createAppCore>[0]);
  // BENCH_WEB_ROOT: another checkout's page (its dist/renderer) over this checkout's core.
  const webRoot = process.env.BENCH_WEB_ROOT ?? ROOT;
  if (webRoot !== ROOT) console.log(`paint-probe: the page from ${webRoot}/dist/renderer`);
  const host = await startWebHost({ rendererDir: join(webRoot, 'dist/renderer'), attach: (wire) => core.attach(wire) });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu', '--no-first-run'] });
  const pub = scriptChild(PUBLISHER, MQTT_PATH, { URL: broker.url, RATE: String(RATE) });
  try {
    const page = await browser.newPage({ viewport: { width: Number(process.env.PROBE_W ?? 1280), height: Number(process.env.PROBE_H ?? 800) } });
    await page.addInitScript(HOOK);
    await page.goto(host.url);
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60_000 });
    await page.getByTestId('broker-url').fill(broker.url);
    await page.getByTestId('connect-button').click();
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="tree-row"][data-path="flood"]').waitFor({ timeout: 30_000 });
    // Counted once the composer's editor, which loads a second after the window opens, is in place.
    await page.locator('.monaco-editor').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="tree-row"][data-path="flood"] [data-testid="tree-toggle"]').click();
    await page.locator('[data-testid="tree-row"][data-path="flood/line3"] [data-testid="tree-toggle"]').click();
    await page.locator('[data-testid="tree-row"][data-path="flood/line3/sensor3"]').click();
    await page.locator('[data-testid="inspector"][data-topic="flood/line3/sensor3"]').waitFor();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    for (const css of VARIANTS) {
      const handle = css ? await page.addStyleTag({ content: css }) : null;
      await page.waitForTimeout(1000);
      const m0 = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
      await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      await page.waitForTimeout(TRACE_MS);
      const buf = await browser.stopTracing();
      const m1 = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
      const events = (JSON.parse(buf.toString()) as { traceEvents: Ev[] }).traceEvents;
      const main = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
      const sums = new Map<string, { n: number; ms: number }>();
      for (const e of events) {
        if (!main.some((m) => m.pid === e.pid && m.tid === e.tid) || e.ph !== 'X') continue;
        const s = sums.get(e.name) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += ((e as { tdur?: number }).tdur ?? 0) / 1000;
        sums.set(e.name, s);
      }
      const per = 1000 / TRACE_MS;
      const pick = ['RunTask', 'FunctionCall', 'Paint', 'Layerize', 'PrePaint', 'UpdateLayoutTree', 'Layout', 'UpdateLayer', 'Commit', 'FireAnimationFrame', 'HitTest', 'ScrollLayer', 'UpdateLayerTree', 'PaintImage', 'RasterTask'];
      const d = (k: string): string => ((m1[k]! - m0[k]!) * per).toFixed(k.endsWith('Duration') ? 3 : 1);
      console.log(`\n--- variant: ${css || '(none)'}  load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
      console.log(`per s: LayoutCount ${d('LayoutCount')} RecalcStyleCount ${d('RecalcStyleCount')} LayoutDuration ${d('LayoutDuration')} RecalcStyleDuration ${d('RecalcStyleDuration')} ScriptDuration ${d('ScriptDuration')} TaskDuration ${d('TaskDuration')}`);
      const frames = sums.get('Commit')?.n ?? 1;
      console.log(`frames (main-thread commits) ${(frames * per).toFixed(1)}/s; per frame: count, cpu ms`);
      for (const k of pick) {
        const s = sums.get(k);
        if (s) console.log(`  ${k.padEnd(20)} ${(s.n * per).toFixed(1).padStart(7)}/s ${(s.ms * per).toFixed(1).padStart(8)} cpu ms/s   ${(s.n / frames).toFixed(2).padStart(6)} ${(s.ms / frames).toFixed(2).padStart(6)}`);
      }
      if (process.env.PROBE_PAINTS) {
        const clips = new Map<string, number>();
        for (const e of events) {
          if (e.name !== 'Paint' || !main.some((m) => m.pid === e.pid && m.tid === e.tid)) continue;
          const data = (e.args as { data?: { clip?: number[]; nodeId?: number; layerId?: number } }).data;
          const [x0 = 0, y0 = 0, , , x2 = 0, y2 = 0] = data?.clip ?? [];
          const key = `node ${data?.nodeId} layer ${data?.layerId} clip ${x0},${y0} ${x2 - x0}x${y2 - y0}`;
          clips.set(key, (clips.get(key) ?? 0) + 1);
        }
        for (const [k, n] of [...clips].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  paint ${n} × ${k}`);
        const ids = [...new Set([...clips.keys()].map((k) => Number(/node (\d+)/.exec(k)?.[1])).filter((n) => n > 0))];
        await cdp.send('DOM.getDocument', { depth: 0 });
        for (const id of ids.slice(0, 15)) {
          try {
            const { nodeIds } = await cdp.send('DOM.pushNodesByBackendIdsToFrontend', { backendNodeIds: [id] });
            const { outerHTML } = await cdp.send('DOM.getOuterHTML', { nodeId: nodeIds[0]! });
            console.log(`  node ${id}: ${outerHTML.slice(0, 200).replace(/\n/g, ' ')}`);
          } catch (e) {
            console.log(`  node ${id}: ${(e as Error).message}`);
          }
        }
      }
      if (process.env.PROBE_ALL) for (const [k, s] of [...sums].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`  * ${k.padEnd(30)} ${(s.n * per).toFixed(1).padStart(7)}/s ${(s.ms * per).toFixed(1).padStart(8)} ms/s`);
      if (handle) await handle.evaluate((el) => el.remove());
    }
    if ((process.env.PROBE_IDLE ?? '1') !== '0') {
      await page.evaluate(() => { const st = (window as unknown as { __reactStats: { commits: number; rendered: number; names: Record<string, number> } }).__reactStats; st.commits = 0; st.rendered = 0; st.names = {}; });
      await page.waitForTimeout(2000);
      const st = await page.evaluate(() => (window as unknown as { __reactStats: { commits: number; rendered: number; names: Record<string, number> } }).__reactStats);
      console.log(`flood only, per commit: ${st.commits} commits in 2 s, ${(st.rendered / st.commits).toFixed(1)} components each: ${Object.entries(st.names).sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${(c / st.commits).toFixed(2)}`).join(', ')}`);
    }
    if ((process.env.PROBE_CLICKS ?? '2') !== '0') await clickProbe(page, browser, Number(process.env.PROBE_CLICKS ?? 2));
    if (process.env.PROBE_SHOT) await page.screenshot({ path: process.env.PROBE_SHOT });
  } finally {
    pub.kill();
    await browser.close();
    await host.close();
    await core.close();
    await broker.stop();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
