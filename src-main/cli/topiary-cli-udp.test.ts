// The command line over mqtt-udp://: a headless broker with --udp-port, and sub/pub with -u mqtt-udp://.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ensureCliBuilt } from '../test-support/built-cli';
import { runTopiary as topiary, startTopiary as start, type StartedTopiary } from '../test-support/topiary-process';
import { waitFor } from '../test-support/wait-for';

vi.setConfig({ testTimeout: 60_000 });

let broker: StartedTopiary;
let udpUrl: string;
beforeAll(async () => {
  await ensureCliBuilt();
  broker = start(['broker', '--port', '0', '--udp-port', '0']);
  const line = await waitFor(() => /listening (mqtt-udp:\/\/\S+)/.exec(broker.out()), { timeoutMs: 30_000, what: () => `the udp listener (${broker.out()}${broker.err()})` });
  udpUrl = line[1]!;
}, 180_000);
afterAll(async () => {
  broker.child.kill('SIGINT');
  await broker.exit;
});

it('topiary broker --udp-port listens on mqtt-udp://, and sub and pub -u mqtt-udp:// talk through it', async () => {
  expect(broker.out()).toMatch(/listening mqtt:\/\/127\.0\.0\.1:\d+\n/);
  const sub = start(['sub', '-u', udpUrl, '-t', 'cli/udp', '-q', '2', '--count', '1']);
  let exited = false;
  void sub.exit.then(() => (exited = true));
  // pub again until the subscriber has its SUBACK and the message: nothing else shows when it is subscribed.
  await waitFor(
    async () => {
      const r = await topiary(['pub', '-u', udpUrl, '-t', 'cli/udp', '-m', 'over udp', '-q', '2']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return exited;
    },
    { timeoutMs: 40_000, what: () => `the subscriber's message (${sub.err()})` },
  );
  expect(await sub.exit).toBe(0);
  expect(sub.out()).toBe('cli/udp over udp\n');
});
