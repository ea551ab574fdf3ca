// Authenticated connect rate: MQTT.js clients connecting with a user name and password, eight at a time,
// against the embedded broker (OWASP-strength PBKDF2, checked on the thread pool) and mosquitto (the same
// hash, and its own 101-iteration default), while a QoS 0 ping measures how long routing stalls.
//   npm run bench -- auth-connect      (BENCH_CONNECTS sets the number of logins, default 64)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import mqtt from 'mqtt';
import { createBroker, hashPassword } from '../src-main/core/broker/index';
import { OWASP_PBKDF2_SHA512_ITERATIONS } from '../src-main/core/broker/password-hash';
import { startMosquitto } from '../src-main/test-support/mosquitto';

const CONNECTS = Number(process.env.BENCH_CONNECTS ?? 64);
const PARALLEL = 8;

interface Result {
  readonly broker: string;
  readonly connectsPerSecond: number;
  readonly worstPingMs: number;
}

async function measure(name: string, url: string): Promise<Result> {
  const echo = await mqtt.connectAsync(url, { reconnectPeriod: 0, username: 'bench', password: 'secret' });
  await echo.subscribeAsync('ping');
  let sentAt = 0;
  let worst = 0;
  let waiting = false;
  echo.on('message', () => {
    worst = Math.max(worst, Date.now() - sentAt);
    waiting = false;
  });
  const pinger = setInterval(() => {
    if (waiting) {
      worst = Math.max(worst, Date.now() - sentAt);
      return;
    }
    waiting = true;
    sentAt = Date.now();
    echo.publish('ping', 'x');
  }, 5);
  const started = Date.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < CONNECTS) {
      next++;
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, username: 'bench', password: 'secret', connectTimeout: 120_000 });
      await c.endAsync();
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  const seconds = (Date.now() - started) / 1000;
  clearInterval(pinger);
  await echo.endAsync();
  return { broker: name, connectsPerSecond: CONNECTS / seconds, worstPingMs: worst };
}

const results: Result[] = [];
const strong = hashPassword('secret', OWASP_PBKDF2_SHA512_ITERATIONS);
const embedded = createBroker({ sysInterval: 0, allowAnonymous: false, users: [{ username: 'bench', passwordHash: strong }], listeners: [{ kind: 'tcp', port: 0, host: '127.0.0.1' }] });
const [bound] = await embedded.start();
results.push(await measure(`embedded, $7$ ${OWASP_PBKDF2_SHA512_ITERATIONS}`, `mqtt://127.0.0.1:${bound!.port}`));
await embedded.stop();

const dir = mkdtempSync(join(tmpdir(), 'topiary-auth-bench-'));
for (const [label, line] of [
  [`mosquitto, $7$ ${OWASP_PBKDF2_SHA512_ITERATIONS}`, `bench:${strong}\n`],
  ['mosquitto, $7$ 101 (mosquitto_passwd)', undefined],
] as const) {
  const file = join(dir, `passwd-${results.length}`);
  if (line) writeFileSync(file, line);
  else execFileSync('mosquitto_passwd', ['-b', '-c', file, 'bench', 'secret']);
  const mq = await startMosquitto({ config: [`password_file ${file}`] });
  results.push(await measure(label, mq.url));
  await mq.stop();
}
rmSync(dir, { recursive: true, force: true });

console.log(`logins: ${CONNECTS}, ${PARALLEL} at a time; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.table(results.map((r) => ({ broker: r.broker, 'connects/s': r.connectsPerSecond.toFixed(1), 'worst ping (ms)': r.worstPingMs })));
