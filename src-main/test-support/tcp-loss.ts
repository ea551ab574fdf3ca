// Random packet loss on chosen loopback TCP ports, for benchmarks only: where netem is missing (this machine's kernel
// has no sch_netem), nftables can still drop a share of packets (`numgen random mod 100 < N drop`). Needs root and the
// nft tool; when either is missing, says why instead of failing, so a bench can skip the scenario.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The sum of the `counter packets N` of a listed nftables table. */
export function droppedPackets(listing: string): number {
  return [...listing.matchAll(/counter packets (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

export type TcpLoss =
  | {
      readonly ok: true;
      /** Packets dropped so far (the rules' counters), to show the loss really happened. */
      readonly dropped: () => Promise<number>;
      readonly remove: () => Promise<void>;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Drops `percent`% of the packets to and from each of `ports` on 127.0.0.1, both directions, in a table of its own
 * (named after this process, so parallel runs never touch each other's rules). Call remove() when done.
 */
export async function startTcpLoss(ports: readonly number[], percent: number): Promise<TcpLoss> {
  if (process.platform !== 'linux') return { ok: false, reason: 'packet loss below TCP needs Linux nftables' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'packet loss below TCP needs root (nftables rules)' };
  if (!Number.isInteger(percent) || percent < 1 || percent > 99) throw new Error('The loss is a whole percentage from 1 to 99.');
  const table = `topiary_bench_loss_${process.pid}`;
  const nft = async (...args: string[]): Promise<void> => {
    await run('nft', args, { timeout: 10_000 });
  };
  try {
    await nft('add', 'table', 'ip', table);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    const reason = e.code === 'ENOENT' ? 'the nft tool is not installed (apt-get install nftables)' : `nftables refused a table (${(e.stderr ?? e.message).trim()})`;
    return { ok: false, reason };
  }
  const remove = async (): Promise<void> => {
    await nft('delete', 'table', 'ip', table).catch(() => undefined);
  };
  try {
    // The output hook sees every loopback packet once, whichever way it goes.
    await nft('add', 'chain', 'ip', table, 'out', '{ type filter hook output priority 0; policy accept; }');
    for (const port of ports) {
      for (const side of ['dport', 'sport']) {
        await nft('add', 'rule', 'ip', table, 'out', 'ip', 'daddr', '127.0.0.1', 'tcp', side, String(port), 'numgen', 'random', 'mod', '100', '<', String(percent), 'counter', 'drop');
      }
    }
  } catch (error) {
    await remove();
    const e = error as Error & { stderr?: string };
    return { ok: false, reason: `nftables refused the loss rule (${(e.stderr ?? e.message).trim()})` };
  }
  const dropped = async (): Promise<number> => droppedPackets((await run('nft', ['list', 'table', 'ip', table], { timeout: 10_000 })).stdout);
  return { ok: true, dropped, remove };
}
