import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, portRangesOutside } from './free-port';

describe('freePort', () => {
  it('picks from outside the kernel’s ephemeral range, whatever it is set to', () => {
    expect(portRangesOutside('32768\t60999\n')).toEqual([
      [20_000, 32_767],
      [61_000, 65_535],
    ]);
    expect(portRangesOutside('20000 32767')).toEqual([[32_768, 65_535]]);
    // Everything ephemeral, or unreadable: the old fixed range.
    expect(portRangesOutside('1024 65535')).toEqual([[20_000, 32_767]]);
    expect(portRangesOutside(undefined)).toEqual([[20_000, 32_767]]);
    expect(portRangesOutside('garbage')).toEqual([[20_000, 32_767]]);
  });

  it('gives a port a server can listen on at once', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
