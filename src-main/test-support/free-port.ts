import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Outside the kernel's ephemeral range (Linux's default is 32768–60999): a port the kernel handed out for bind(0) can
// be taken a moment later as the local port of some outgoing connection from a test running in parallel, and a broker
// started on it then fails with "Address already in use". Ports outside that range are only ever taken by listeners
// that ask for them. The range is read from the machine, since it can be set otherwise.
const FALLBACK: readonly (readonly [number, number])[] = [[20_000, 32_767]];

/** The port ranges outside this machine's ephemeral range, from 20000 up (the fallback when it cannot be read or leaves too little). */
export function portRangesOutside(ephemeral: string | undefined): readonly (readonly [number, number])[] {
  const [lo, hi] = (ephemeral ?? '').trim().split(/\s+/).map(Number);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo! > hi!) return FALLBACK;
  const ranges = ([[20_000, lo! - 1], [hi! + 1, 65_535]] as const).filter(([a, b]) => b - a >= 999);
  return ranges.length > 0 ? ranges : FALLBACK;
}

function ephemeralRange(): string | undefined {
  try {
    return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return undefined;
  }
}

const RANGES = portRangesOutside(ephemeralRange());
const SIZE = RANGES.reduce((n, [a, b]) => n + b - a + 1, 0);

function randomPort(): number {
  let i = Math.floor(Math.random() * SIZE);
  for (const [a, b] of RANGES) {
    if (i <= b - a) return a + i;
    i -= b - a + 1;
  }
  return RANGES[0]![0];
}

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
    const port = randomPort();
    if (await tryListen(port)) return port;
  }
  throw new Error(`No free port in ${RANGES.map(([a, b]) => `${a}–${b}`).join(' or ')} after 200 tries.`);
}
