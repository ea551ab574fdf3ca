import { expect, test } from '@playwright/test';
import mqtt from 'mqtt';
import protobuf from 'protobufjs';
import { SPARKPLUG_B_PROTO } from '../src-main/core/decoders/sparkplug-b-proto';
import { ExplorerPage } from './pages/explorer-page';
import { eachTestAppWithMosquitto } from './support/app-with-mosquitto';

const env = eachTestAppWithMosquitto();

async function opened(page: import('@playwright/test').Page): Promise<ExplorerPage> {
  const ui = new ExplorerPage(page);
  await ui.open(env.app.url);
  await ui.connect(env.broker.url);
  return ui;
}

test('the tree counts every topic and message of a known burst', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  for (let i = 0; i < 600; i++) outside.publish(`burst/${i % 60}`, String(i), { qos: 1 });
  await outside.endAsync();
  await expect(ui.totals).toHaveText('60 topics · 600 messages');
  const counts = ui.row('burst').getByTestId('row-counts');
  await expect(counts).toHaveAttribute('data-messages', '600');
  await expect(counts).toHaveAttribute('data-topics', '60');
  await ui.row('burst').getByTestId('tree-toggle').click();
  await expect(ui.row('burst/5').getByTestId('row-counts')).toHaveAttribute('data-messages', '10');
  await expect(ui.tree).toHaveAttribute('data-total', '61');
});

test('a wildcard filter narrows the tree and keeps it live; a broken regex is explained', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('plant/1/temp', '20', { qos: 1 });
  await outside.publishAsync('plant/1/humidity', '40', { qos: 1 });
  await expect(ui.totals).toHaveText('2 topics · 2 messages');

  await ui.filterBy('wildcard', 'plant/+/temp');
  await ui.expectVisiblePaths(['plant', 'plant/1', 'plant/1/temp']);
  await outside.publishAsync('plant/2/temp', '21', { qos: 1 });
  await ui.expectVisiblePaths(['plant', 'plant/1', 'plant/1/temp', 'plant/2', 'plant/2/temp']);

  await ui.filterBy('regex', '(temp');
  await expect(ui.filterError).toHaveAttribute('data-code', 'VALIDATION_ERROR');
  await expect(ui.filterError).toContainText('regular expression is not valid');
  await ui.filterBy('wildcard', 'plant/#/temp');
  await expect(ui.filterError).toHaveAttribute('data-code', 'TOPIC_ERROR');
  await ui.filter.fill('');
  await expect(ui.filterError).toBeHidden();
  await outside.endAsync();
});

test('the keyboard walks the tree: arrows move, right expands, left goes back to the parent', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('k/a', '1', { qos: 1 });
  await outside.publishAsync('k/b', '2', { qos: 1 });
  await outside.publishAsync('z', '3', { qos: 1 });
  await outside.endAsync();
  await ui.row('k').click();
  await page.keyboard.press('ArrowRight');
  await expect(ui.row('k')).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(ui.inspector).toHaveAttribute('data-topic', 'k/a');
  await page.keyboard.press('End');
  await expect(ui.inspector).toHaveAttribute('data-topic', 'z');
  await page.keyboard.press('ArrowUp');
  await expect(ui.inspector).toHaveAttribute('data-topic', 'k/b');
  await page.keyboard.press('ArrowLeft');
  await expect(ui.inspector).toHaveAttribute('data-topic', 'k');
  await page.keyboard.press('ArrowLeft');
  await expect(ui.row('k')).toHaveAttribute('aria-expanded', 'false');
});

test('a click on another topic shows its newest value first, never an older one or a stale error', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  for (let i = 1; i <= 3; i++) await outside.publishAsync('few', `few ${i}`, { qos: 1 });
  for (let i = 1; i <= 5; i++) await outside.publishAsync('many', `many ${i}`, { qos: 1 });
  await outside.endAsync();
  await expect(ui.totals).toHaveText('2 topics · 8 messages');
  await ui.row('few').click();
  await expect(ui.inspectorPayload).toHaveText('few 3');
  // Everything the inspector of the next topic shows, frame by frame, from the click on.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __seen: string[] }).__seen = seen;
    new MutationObserver(() => {
      const pane = document.querySelector('[data-testid="inspector"][data-topic="many"]');
      const text = pane?.querySelector('[data-testid="inspector-payload"]')?.textContent ?? pane?.querySelector('[data-testid="payload-error"]')?.textContent ?? '';
      if (text !== '' && text !== seen[seen.length - 1]) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await ui.row('many').click();
  await expect(ui.inspectorPayload).toHaveText('many 5');
  expect(await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen)).toEqual(['many 5']);
});

test('a click on another topic keeps Copy and Save enabled, copies the new value, and re-renders a few components, not the panes', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.app.origin });
  // Counts the components each React commit renders, as React DevTools decides "did render" (its hook, stood in for).
  await page.addInitScript(() => {
    const stats = { rendered: 0 };
    (window as unknown as { __rendered: typeof stats }).__rendered = stats;
    interface Fiber {
      readonly tag: number;
      readonly flags: number;
      readonly child: Fiber | null;
      readonly sibling: Fiber | null;
      readonly alternate: Fiber | null;
    }
    const walk = (next: Fiber, prev: Fiber | null): void => {
      if ([0, 1, 11, 14, 15].includes(next.tag) && (prev === null || (next.flags & 1) === 1)) stats.rendered++;
      if (prev !== null && next.child === prev.child) return;
      for (let c = next.child; c !== null; c = c.sibling) walk(c, c.alternate);
    };
    const noop = (): void => undefined;
    (window as unknown as { __REACT_DEVTOOLS_GLOBAL_HOOK__: unknown }).__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
      supportsFiber: true,
      renderers: new Map(),
      isDisabled: false,
      inject: () => 1,
      checkDCE: noop,
      onScheduleFiberRoot: noop,
      onCommitFiberUnmount: noop,
      onPostCommitFiberRoot: noop,
      onCommitFiberRoot: (_id: number, root: { current: Fiber }) => walk(root.current, root.current.alternate),
    };
  });
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('one', 'first value', { qos: 1, retain: true });
  await outside.publishAsync('two', 'second value', { qos: 1, retain: true });
  await outside.endAsync();
  await expect(ui.totals).toHaveText('2 topics · 2 messages');
  await ui.row('one').click();
  await expect(ui.inspectorPayload).toHaveText('first value');
  const composerTopic = page.getByTestId('publish-topic');
  await expect(composerTopic).toHaveValue('one');
  // Every change of the buttons' disabled flag (or the buttons replaced) from the click on.
  await page.evaluate(() => {
    const flips: string[] = [];
    (window as unknown as { __flips: string[] }).__flips = flips;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as HTMLElement;
        if (r.type === 'attributes') flips.push(`${el.dataset.testid ?? '?'} disabled=${el.hasAttribute('disabled')}`);
        else if (Array.from(r.removedNodes).some((n) => n instanceof HTMLElement && n.querySelector('[data-testid="copy-payload"]'))) flips.push('buttons replaced');
      }
    }).observe(document.querySelector('[data-testid="inspector"]')!, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled'] });
    (window as unknown as { __rendered: { rendered: number } }).__rendered.rendered = 0;
  });
  await ui.row('two').click();
  await expect(ui.inspector).toHaveAttribute('data-topic', 'two');
  await expect(ui.inspectorPayload).toHaveText('second value');
  await expect(composerTopic).toHaveValue('two');
  expect(await page.evaluate(() => (window as unknown as { __flips: string[] }).__flips)).toEqual([]);
  // About 20 (the tree, the inspector twice, the composer's topic); each pane re-rendered whole, or Copy and Save's
  // tooltips, came to 120 and more.
  expect(await page.evaluate(() => (window as unknown as { __rendered: { rendered: number } }).__rendered.rendered)).toBeLessThanOrEqual(45);
  await page.getByTestId('copy-payload').click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('second value');
});

test('a changed row flashes; a row that keeps changing stays lit, without its name rebuilt on every message, until it goes quiet', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('quiet', 'a', { qos: 1 });
  await outside.publishAsync('busy', '0', { qos: 1 });
  await expect(ui.totals).toHaveText('2 topics · 2 messages');
  // After a quiet spell (the row says its last message came 2 s ago or more: longer than a flash), a change flashes.
  const quietName = ui.row('quiet').locator('.name');
  await expect(ui.row('quiet').getByTestId('row-ago')).toHaveText(/^([2-9]|\d\d) s$/, { timeout: 10_000 });
  await expect(quietName).toHaveClass('name');
  await outside.publishAsync('quiet', 'b', { qos: 1 });
  await expect(quietName).toHaveClass('name flash');
  // The flash ends by itself, though nothing else arrives to redraw the tree.
  await expect(quietName).toHaveClass('name', { timeout: 5_000 });
  const busyName = ui.row('busy').locator('.name');
  const busyCount = ui.row('busy').getByTestId('row-counts');
  /** Publishes the busy topic's next message and waits until its row counts it. */
  const next = async (n: number): Promise<void> => {
    await outside.publishAsync('busy', String(n), { qos: 1 });
    await expect(busyCount).toHaveAttribute('data-messages', String(n + 1));
  };
  for (let n = 1; n <= 3; n++) await next(n);
  await expect(busyName).toHaveClass(/\blit\b/);
  await busyName.evaluate((el) => ((el as HTMLElement).dataset.mark = 'kept'));
  for (let n = 4; n <= 8; n++) await next(n);
  // The same element all along (a restarted flash would have replaced it), lit by a steady colour, not an animation.
  expect(await busyName.evaluate((el) => ({ mark: (el as HTMLElement).dataset.mark, animation: getComputedStyle(el).animationName }))).toEqual({ mark: 'kept', animation: 'none' });
  await expect(busyName).toHaveClass('name', { timeout: 5_000 });
  await outside.endAsync();
});

test('the inspector shows every MQTT 5 property and decodes a Sparkplug B payload', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url, { protocolVersion: 5 });
  await outside.publishAsync('props/reading', '{"ok":true}', {
    qos: 1,
    properties: {
      contentType: 'application/json',
      payloadFormatIndicator: true,
      responseTopic: 'props/reply',
      correlationData: Buffer.from([0xca, 0xfe]),
      messageExpiryInterval: 3600,
      userProperties: { site: 'north', line: '7' },
    },
  });
  const type = protobuf.parse(SPARKPLUG_B_PROTO, { keepCase: true }).root.lookupType('org.eclipse.tahu.protobuf.Payload');
  const sparkplug = type.encode(type.fromObject({ timestamp: 1_700_000_000_000, seq: 3, metrics: [{ name: 'Motor/RPM', datatype: 10, double_value: 1450.5 }] })).finish();
  await outside.publishAsync('spBv1.0/factory/DDATA/edge1/motor', Buffer.from(sparkplug), { qos: 1 });
  await outside.endAsync();

  await ui.openTopic('props/reading');
  await expect(ui.property('content-type')).toHaveText('application/json');
  await expect(ui.property('payload-format')).toHaveText('UTF-8 text');
  await expect(ui.property('response-topic')).toHaveText('props/reply');
  await expect(ui.property('correlation-data')).toHaveText('ca fe');
  await expect(ui.property('message-expiry')).toHaveText(/^\d+ s$/);
  await expect(ui.property('user')).toHaveText(['site: north', 'line: 7']);
  await expect(ui.property('subscription-ids')).toHaveCount(0);

  await ui.openTopic('spBv1.0/factory/DDATA/edge1/motor');
  await expect(page.getByTestId('inspector-format')).toHaveText('sparkplug');
  await expect(ui.inspectorPayload).toContainText('Motor/RPM');
  await expect(ui.inspectorPayload).toContainText('1450.5');
  await page.getByTestId('payload-decoder').selectOption('json');
  await expect(page.getByTestId('payload-error')).toContainText('cannot decode as JSON');
});

test('clearing a retained subtree shows the count first, and an outside subscriber then gets none of it', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  for (let i = 0; i < 12; i++) await outside.publishAsync(`site/${i % 3}/v${i}`, `x${i}`, { qos: 1, retain: true });
  await outside.publishAsync('elsewhere/kept', 'stays', { qos: 1, retain: true });
  await outside.endAsync();
  await expect(ui.totals).toHaveText('13 topics · 13 messages');

  await ui.row('site').click();
  await page.getByTestId('clear-retained-subtree').click();
  await expect(page.getByTestId('clear-retained-confirm')).toHaveAttribute('data-count', '12');
  await page.getByTestId('clear-retained-go').click();
  await expect(page.getByTestId('clear-retained-done')).toHaveAttribute('data-cleared', '12');

  const fresh = await mqtt.connectAsync(env.broker.url);
  const seen: string[] = [];
  fresh.on('message', (topic) => seen.push(topic));
  await fresh.subscribeAsync('#', { qos: 1 });
  await expect.poll(() => seen.includes('elsewhere/kept')).toBe(true);
  expect(seen.filter((t) => t.startsWith('site/'))).toEqual([]);
  await fresh.endAsync();
});

test('a numeric JSON field picked in the inspector is charted over time', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  for (const t of [20.5, 21, 22.25, 21.75]) await outside.publishAsync('room/1', JSON.stringify({ temp: t, unit: 'C' }), { qos: 1 });
  await expect(ui.totals).toHaveText('1 topic · 4 messages');
  await ui.openTopic('room/1');
  await page.getByTestId('payload-as-tree').check();
  await page.locator('[data-testid="chart-field"][data-field="temp"]').click();
  await expect(ui.chart).toHaveAttribute('data-field', 'temp');
  await expect(ui.chart).toHaveAttribute('data-points', '4');
  await expect(ui.chart).toHaveAttribute('data-last', '21.75');

  await outside.publishAsync('room/1', JSON.stringify({ temp: 23 }), { qos: 1 });
  await expect(ui.chart).toHaveAttribute('data-points', '5');
  await page.getByTestId('chart-pause').click();
  await outside.publishAsync('room/1', JSON.stringify({ temp: 24 }), { qos: 1 });
  await expect(ui.totals).toHaveText('1 topic · 6 messages');
  await expect(ui.chart).toHaveAttribute('data-points', '5');
  await outside.endAsync();
});

test('a long history is virtualised, newest first, and any two messages in it are compared', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  for (let i = 1; i <= 400; i++) outside.publish('h/t', JSON.stringify({ i }), { qos: 1 });
  await outside.endAsync();
  await expect(ui.totals).toHaveText('1 topic · 400 messages');
  await ui.openTopic('h/t');
  await page.getByTestId('tab-history').click();
  await expect(ui.historyList).toHaveAttribute('data-count', '400');
  const items = ui.historyList.getByTestId('history-item');
  await expect(items.first()).toHaveAttribute('data-n', '400');
  // Only the rows on screen exist.
  expect(await items.count()).toBeLessThan(100);

  await ui.historyList.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const oldest = ui.historyList.locator('[data-testid="history-item"][data-n="1"]');
  await expect(oldest).toBeVisible();
  await oldest.getByRole('checkbox').check();
  await ui.historyList.locator('[data-testid="history-item"][data-n="2"]').getByRole('checkbox').check();
  const diff = page.getByTestId('history-diff');
  await expect(diff).toHaveAttribute('data-added', '1');
  await expect(diff).toHaveAttribute('data-removed', '1');
});

test('pausing freezes the tree while messages are counted and held, and resuming applies them', async ({ page }) => {
  const ui = await opened(page);
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('p/first', '1', { qos: 1 });
  await expect(ui.totals).toHaveText('1 topic · 1 message');
  await ui.pauseButton.click();
  await expect(ui.pauseButton).toHaveAttribute('aria-pressed', 'true');
  for (let i = 0; i < 20; i++) await outside.publishAsync(`p/held/${i}`, String(i), { qos: 1 });
  await expect(ui.gauge).toContainText('20 held');
  await expect(ui.totals).toHaveText('1 topic · 1 message');
  await ui.pauseButton.click();
  await expect(ui.totals).toHaveText('21 topics · 21 messages');
  await outside.endAsync();
});

test('a 50 MB payload shows its first page at once and saves whole, fetched in chunks', async ({ page }) => {
  const ui = await opened(page);
  const size = 50 * 1024 * 1024;
  const big = Buffer.alloc(size, 'abcdefghij');
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('big/blob', big, { qos: 1 });
  await outside.endAsync();
  await ui.openTopic('big/blob');
  await expect(page.getByTestId('inspector-size')).toHaveAttribute('data-bytes', String(size));
  await expect(page.getByTestId('payload-truncated')).toBeVisible();
  await expect(ui.inspectorPayload).toContainText('abcdefghijabcdefghij');
  await expect(ui.row('big/blob')).toContainText('abcdefghij');

  const download = page.waitForEvent('download');
  await page.getByTestId('save-payload').click();
  const file = await (await download).path();
  const saved = await import('node:fs/promises').then((fs) => fs.readFile(file));
  expect(saved.length).toBe(size);
  expect(saved.equals(big)).toBe(true);
});

test('subscriptions are changed while connected: remove #, add a narrower filter, and only its topics arrive', async ({ page }) => {
  const ui = await opened(page);
  await page.getByTestId('subscriptions-toggle').click();
  const panel = page.getByTestId('subscriptions-panel');
  await expect(panel.locator('[data-testid="subscription-row"][data-filter="#"]')).toBeVisible();
  await panel.locator('[data-testid="subscription-row"][data-filter="#"]').getByTestId('subscription-remove').click();
  await expect(panel.getByTestId('subscription-row')).toHaveCount(0);
  await panel.getByTestId('subscription-filter').fill('only/#');
  await panel.getByTestId('subscription-qos').selectOption('1');
  await panel.getByTestId('subscription-add').click();
  await expect(panel.locator('[data-testid="subscription-row"][data-filter="only/#"]')).toContainText('1');

  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('other/b', 'no', { qos: 1 });
  await outside.publishAsync('only/a', 'yes', { qos: 1 });
  await outside.endAsync();
  await expect(ui.row('only')).toBeVisible();
  await expect(ui.totals).toHaveText('1 topic · 1 message');
  await expect(ui.row('other')).toHaveCount(0);
});

/** One message on a/quiet/x and three on b/busy/y from an outside client, seen in the totals. */
async function publishQuietAndBusy(ui: ExplorerPage): Promise<void> {
  const outside = await mqtt.connectAsync(env.broker.url);
  await outside.publishAsync('a/quiet/x', '1', { qos: 1 });
  for (let i = 0; i < 3; i++) await outside.publishAsync('b/busy/y', String(i), { qos: 1 });
  await outside.endAsync();
  await expect(ui.totals).toHaveText('2 topics · 4 messages');
}

test('expand-to-depth opens the tree in the core and sorting by messages puts the busiest first', async ({ page }) => {
  const ui = await opened(page);
  await publishQuietAndBusy(ui);
  await ui.expectVisiblePaths(['a', 'b']);

  await page.getByTestId('tree-depth').fill('3');
  await page.getByTestId('tree-expand-depth').click();
  await ui.expectVisiblePaths(['a', 'a/quiet', 'a/quiet/x', 'b', 'b/busy', 'b/busy/y']);
  await page.getByTestId('tree-sort').selectOption('messages');
  await ui.expectVisiblePaths(['b', 'b/busy', 'b/busy/y', 'a', 'a/quiet', 'a/quiet/x']);
  await page.getByTestId('tree-collapse-all').click();
  await ui.expectVisiblePaths(['b', 'a']);
});

test('in a 1024-pixel window the filter keeps its width and sort, expand and collapse work from the overflow menu', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  const ui = await opened(page);
  await publishQuietAndBusy(ui);
  await expect(page.getByTestId('tree-toolbar')).toHaveAttribute('data-compact', 'true');
  await expect(page.getByTestId('tree-sort')).toHaveCount(0);
  expect((await page.getByTestId('tree-filter').boundingBox())!.width).toBeGreaterThanOrEqual(160);

  const more = async (item: string): Promise<void> => {
    await page.getByTestId('tree-more').click();
    await page.getByTestId(`tree-more-${item}`).click();
    await expect(page.getByTestId('tree-more-menu')).toHaveCount(0);
  };
  await more('expand-3');
  await ui.expectVisiblePaths(['a', 'a/quiet', 'a/quiet/x', 'b', 'b/busy', 'b/busy/y']);
  await more('sort-messages');
  await ui.expectVisiblePaths(['b', 'b/busy', 'b/busy/y', 'a', 'a/quiet', 'a/quiet/x']);
  // The menu is keyboard-reachable and shows the current choices.
  await page.getByTestId('tree-more').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tree-more-sort-messages')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('tree-more-payload')).toHaveAttribute('role', 'menuitemcheckbox');
  await page.keyboard.press('Escape');
  await more('collapse');
  await ui.expectVisiblePaths(['b', 'a']);

  // Wide again, the controls come back inline.
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expect(page.getByTestId('tree-toolbar')).toHaveAttribute('data-compact', 'false');
  await expect(page.getByTestId('tree-sort')).toHaveValue('messages');
});
