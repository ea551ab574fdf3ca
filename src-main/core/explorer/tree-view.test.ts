import { describe, expect, it } from 'vitest';
import { TopicIndex } from './topic-index';
import { compareNames, TreeView } from './tree-view';

const enc = new TextEncoder();

function feed(index: TopicIndex, topic: string, payload = 'v', receivedAt = 1): void {
  index.ingest({ topic, payload: enc.encode(payload), qos: 0, retain: false, receivedAt });
}

function paths(view: TreeView, start = 0, count = 1_000): string[] {
  return view.rows(start, count).rows.map((r) => r.path);
}

describe('TreeView', () => {
  it('shows the first level collapsed, in natural name order', () => {
    const index = new TopicIndex();
    for (const t of ['b/x', 'a', 'sensor10', 'sensor2', '$SYS/uptime']) feed(index, t);
    const view = new TreeView(index);
    const window = view.rows(0, 10);
    expect(window.total).toBe(5);
    expect(window.rows.map((r) => r.name)).toEqual(['$SYS', 'a', 'b', 'sensor2', 'sensor10']);
    const b = window.rows[2]!;
    expect(b).toMatchObject({ depth: 0, hasChildren: true, expanded: false, messageCount: 1, subtopicCount: 1, preview: '' });
    expect(window.rows[1]).toMatchObject({ hasChildren: false, ownMessageCount: 1, preview: 'v' });
  });

  it('flattens expanded nodes depth first and windows the result', () => {
    const index = new TopicIndex();
    for (const t of ['home/kitchen/temp', 'home/kitchen/hum', 'home/garage', 'office/door']) feed(index, t);
    const view = new TreeView(index);
    view.setExpanded(['home', 'home/kitchen']);
    expect(paths(view)).toEqual(['home', 'home/garage', 'home/kitchen', 'home/kitchen/hum', 'home/kitchen/temp', 'office']);
    const window = view.rows(2, 2);
    expect(window.total).toBe(6);
    expect(window.rows.map((r) => [r.path, r.depth])).toEqual([
      ['home/kitchen', 1],
      ['home/kitchen/hum', 2],
    ]);
    expect(window.rows[0]!.expanded).toBe(true);
    view.collapse('home');
    expect(paths(view)).toEqual(['home', 'office']);
  });

  it('shows empty levels as rows with empty names', () => {
    const index = new TopicIndex();
    feed(index, '/a');
    feed(index, 'x//y');
    const view = new TreeView(index);
    view.setExpanded(['', 'x', 'x/']);
    expect(view.rows(0, 10).rows.map((r) => [r.path, r.name, r.depth])).toEqual([
      ['', '', 0],
      ['/a', 'a', 1],
      ['x', 'x', 0],
      ['x/', '', 1],
      ['x//y', 'y', 2],
    ]);
  });

  it('places topics that arrive later in name order among cached siblings', () => {
    const index = new TopicIndex();
    for (const t of ['d/b', 'd/d', 'd/f']) feed(index, t);
    const view = new TreeView(index);
    view.expand('d');
    expect(paths(view)).toEqual(['d', 'd/b', 'd/d', 'd/f']);
    for (const t of ['d/e', 'd/a', 'd/g']) feed(index, t);
    expect(paths(view)).toEqual(['d', 'd/a', 'd/b', 'd/d', 'd/e', 'd/f', 'd/g']);
  });

  it('merges late arrivals into a large cached family without losing or misplacing any', () => {
    const index = new TopicIndex();
    for (let i = 0; i < 100; i += 2) feed(index, `big/n${i}`);
    const view = new TreeView(index);
    view.expand('big');
    expect(view.rows(0, 1_000).total).toBe(51);
    for (const i of [99, 1, 51, 0, 7]) feed(index, i === 0 ? 'big/a' : `big/n${i}`);
    const names = view.rows(1, 1_000).rows.map((r) => r.name);
    expect(names).toHaveLength(55);
    expect(names[0]).toBe('a');
    expect(names.slice(1, 5)).toEqual(['n0', 'n1', 'n2', 'n4']);
    expect(names.at(-1)).toBe('n99');
    expect([...names].sort(compareNames)).toEqual(names);
  });

  it('sorts by messages, topics and recency, busiest first', () => {
    const index = new TopicIndex();
    feed(index, 'a/1', 'v', 10);
    for (let i = 0; i < 5; i++) feed(index, 'b', 'v', 20);
    feed(index, 'c/1', 'v', 30);
    feed(index, 'c/2', 'v', 5);
    const view = new TreeView(index, { resortIntervalMs: 0 });
    view.setSort('messages');
    expect(paths(view)).toEqual(['b', 'c', 'a']);
    view.setSort('topics');
    expect(paths(view)).toEqual(['c', 'a', 'b']);
    view.setSort('recent');
    expect(paths(view)).toEqual(['c', 'b', 'a']);
    feed(index, 'a/1', 'v', 40);
    expect(paths(view)).toEqual(['a', 'c', 'b']);
  });

  it('reuses a value-sorted order until the resort interval has passed', () => {
    let now = 0;
    const index = new TopicIndex();
    feed(index, 'a');
    feed(index, 'b');
    feed(index, 'b');
    const view = new TreeView(index, { resortIntervalMs: 500, now: () => now });
    view.setSort('messages');
    expect(paths(view)).toEqual(['b', 'a']);
    for (let i = 0; i < 3; i++) feed(index, 'a');
    now = 100;
    expect(paths(view)).toEqual(['b', 'a']);
    now = 600;
    expect(paths(view)).toEqual(['a', 'b']);
  });

  it('expands everything down to a depth', () => {
    const index = new TopicIndex();
    feed(index, 'a/b/c/d');
    feed(index, 'x/y');
    const view = new TreeView(index);
    view.expandToDepth(2);
    expect(paths(view)).toEqual(['a', 'a/b', 'a/b/c', 'x', 'x/y']);
    view.collapseAll();
    view.expandToDepth(2, 'a/b');
    expect(view.expandedPaths().sort()).toEqual(['a/b', 'a/b/c']);
  });

  it('expands everything on the deepest topic the index keeps', () => {
    const index = new TopicIndex();
    feed(index, Array.from({ length: 20_000 }, () => 'x').join('/'));
    const view = new TreeView(index);
    view.expandToDepth(Number.POSITIVE_INFINITY);
    const window = view.rows(255, 1);
    expect(window.total).toBe(256);
    expect(window.rows[0]!.depth).toBe(255);
    expect(window.rows[0]!.name.length).toBe(2 * (20_000 - 255) - 1);
  });

  it('filters to matching topics and their ancestors and keeps up as messages arrive', () => {
    const index = new TopicIndex();
    for (const t of ['home/kitchen/temp', 'home/garage/door', 'office/temp', 'office/light']) feed(index, t);
    const view = new TreeView(index);
    expect(view.setFilter({ mode: 'substring', pattern: 'TEMP' }).ok).toBe(true);
    expect(paths(view)).toEqual(['home', 'home/kitchen', 'home/kitchen/temp', 'office', 'office/temp']);
    expect(view.rows(0, 1).rows[0]).toMatchObject({ hasChildren: true, expanded: true });

    feed(index, 'garden/temp');
    feed(index, 'garden/rain');
    expect(paths(view)).toEqual(['garden', 'garden/temp', 'home', 'home/kitchen', 'home/kitchen/temp', 'office', 'office/temp']);

    view.collapse('home');
    expect(paths(view)).toEqual(['garden', 'garden/temp', 'home', 'office', 'office/temp']);

    view.setFilter(null);
    expect(paths(view)).toEqual(['garden', 'home', 'office']);
  });

  it('filters with an MQTT wildcard', () => {
    const index = new TopicIndex();
    for (const t of ['s/1/temp', 's/2/temp', 's/2/hum', '$SYS/x/temp']) feed(index, t);
    const view = new TreeView(index);
    view.setFilter({ mode: 'wildcard', pattern: '+/+/temp' });
    expect(paths(view)).toEqual(['s', 's/1', 's/1/temp', 's/2', 's/2/temp']);
  });

  it('re-evaluates a payload filter when a topic value changes', () => {
    const index = new TopicIndex();
    feed(index, 'door/front', 'closed');
    feed(index, 'door/back', 'OPEN');
    const view = new TreeView(index);
    view.setFilter({ mode: 'substring', pattern: 'open', searchPayload: true });
    expect(paths(view)).toEqual(['door', 'door/back']);
    feed(index, 'door/front', 'open');
    feed(index, 'door/back', 'closed');
    expect(paths(view)).toEqual(['door', 'door/front']);
    feed(index, 'door/front', 'closed');
    expect(view.rows(0, 10).total).toBe(0);
  });

  it('keeps the current filter when a new one is invalid', () => {
    const index = new TopicIndex();
    feed(index, 'a/b');
    feed(index, 'c');
    const view = new TreeView(index);
    view.setFilter({ mode: 'substring', pattern: 'c' });
    const bad = view.setFilter({ mode: 'regex', pattern: '(' });
    expect(bad.ok).toBe(false);
    expect(paths(view)).toEqual(['c']);
  });

  it('keeps its cached rows when a request repeats the same expansion and filter', () => {
    const index = new TopicIndex();
    feed(index, 'a/b');
    feed(index, 'c/d');
    const view = new TreeView(index);
    view.setExpanded(['a']);
    view.setFilter({ mode: 'substring', pattern: 'b' });
    const first = view.rows(0, 10);
    view.setExpanded(['a']);
    view.setFilter({ mode: 'substring', pattern: 'b' });
    view.setSort('name');
    expect(view.viewVersion).toBe(first.viewVersion);
    view.setExpanded(['a', 'c']);
    expect(view.viewVersion).toBe(first.viewVersion + 1);
  });

  it('tells a poller what changed since the version it holds', () => {
    const index = new TopicIndex();
    feed(index, 'a');
    feed(index, 'b');
    const view = new TreeView(index);
    const first = view.rows(0, 10);
    expect(view.since(first.version, first.viewVersion)).toMatchObject({ changed: false, viewChanged: false });
    feed(index, 'b', 'new');
    const changes = view.since(first.version, first.viewVersion, { start: 0, count: 10 });
    expect(changes).toMatchObject({ changed: true, viewChanged: false, topicCount: 2, messageCount: 3 });
    expect(changes.changedRows).toEqual([1]);
    view.setSort('messages');
    expect(view.since(changes.version, first.viewVersion).viewChanged).toBe(true);
    const row = view.rows(0, 1).rows[0]!;
    expect(row.changedSeq).toBeGreaterThan(first.version);
  });

  it('starts over after the index is cleared', () => {
    const index = new TopicIndex();
    feed(index, 'a');
    const view = new TreeView(index);
    expect(paths(view)).toEqual(['a']);
    index.clear();
    feed(index, 'z');
    expect(paths(view)).toEqual(['z']);
  });

  it('serves windows of a million rows quickly once the order is built', () => {
    const index = new TopicIndex();
    const payload = new Uint8Array(8);
    for (let i = 0; i < 1_000_000; i++) index.ingest({ topic: `devices/d${i}`, payload, qos: 0, retain: false, receivedAt: i });
    let now = 0;
    const view = new TreeView(index, { now: () => now });
    view.expand('devices');
    let t = performance.now();
    const first = view.rows(500_000, 50);
    const buildMs = performance.now() - t;
    expect(first.total).toBe(1_000_001);
    expect(first.rows[0]!.path).toBe('devices/d499999');
    t = performance.now();
    for (let i = 0; i < 20; i++) view.rows(i * 40_000, 50);
    const windowMs = (performance.now() - t) / 20;
    index.ingest({ topic: 'devices/d1000000', payload, qos: 0, retain: false, receivedAt: 0 });
    // A tree this large takes new topics in at most every resortIntervalMs.
    expect(view.rows(0, 1).total).toBe(1_000_001);
    now += 1_000;
    t = performance.now();
    expect(view.rows(1_000_001, 1).rows[0]!.path).toBe('devices/d1000000');
    const mergeMs = performance.now() - t;
    console.log(`1M rows: first build ${buildMs.toFixed(0)} ms, window ${windowMs.toFixed(2)} ms, rebuild after a new topic ${mergeMs.toFixed(0)} ms`);
    // Loose bounds: the machine is shared. A window is a slice of the cached order, and one
    // new sibling is merged, not re-sorted, so neither should approach the first build.
    expect(windowMs).toBeLessThan(50);
    expect(mergeMs).toBeLessThan(buildMs + 500);
  }, 120_000);
});

describe('compareNames', () => {
  it('orders digit runs by value', () => {
    expect(['a10', 'a2', 'a1', 'b', 'a02x', 'A'].sort(compareNames)).toEqual(['A', 'a1', 'a2', 'a02x', 'a10', 'b']);
  });
});
