import { createServer } from 'node:net';

// Below Linux's ephemeral range (32768–60999): a port the kernel handed out for bind(0) can be taken a moment later as
// the local port of some outgoing connection from a test running in parallel, and a broker started on it then fails
// with "Address already in use". Ports from this range are only ever taken by listeners that ask for them.
const LOW = 20_000;
const HIGH = 32_767;

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port free on 127.0.0.1 now, for a test's server, chosen at random outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (await tryListen(port)) return port;
  }
  throw new Error(`No free port between ${LOW} and ${HIGH} after 200 tries.`);
}
