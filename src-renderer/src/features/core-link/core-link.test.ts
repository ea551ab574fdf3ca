import { describe, expect, it, vi } from 'vitest';
import { createClient } from '../../../../shared/ipc/client';
import { TopiaryError } from '../../../../shared/ipc/errors';
import { encodeFrame } from '../../../../shared/ipc/frame-codec';
import { coreLinkState, createWebLinkWire, tokenFromHash, type LinkSocket } from './core-link';

/** A socket the test opens, answers and drops by hand, as the browser's would behave. */
class HandSocket implements LinkSocket {
  binaryType = 'blob';
  readyState = 0;
  readonly sent: Uint8Array[] = [];
  private readonly listeners = new Map<string, ((event: { data?: unknown }) => void)[]>();
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }
  close(): void {
    this.drop();
  }
  open(): void {
    this.readyState = 1;
    for (const l of this.listeners.get('open') ?? []) l({});
  }
  answer(data: Uint8Array): void {
    for (const l of this.listeners.get('message') ?? []) l({ data: data.slice().buffer });
  }
  drop(): void {
    this.readyState = 3;
    for (const l of this.listeners.get('close') ?? []) l({});
  }
}

function setup(token = 'a'.repeat(32)) {
  const sockets: HandSocket[] = [];
  const answers: ('accepted' | 'refused' | 'unreachable')[] = [];
  const restart = vi.fn();
  const wire = createWebLinkWire({
    token,
    openSocket: () => {
      const s = new HandSocket();
      sockets.push(s);
      return s;
    },
    probe: () => Promise.resolve(answers.shift() ?? 'unreachable'),
    restart,
    retryMs: 5,
  });
  return { sockets, answers, restart, client: createClient(wire) };
}

describe('the page\'s link to the core', () => {
  it('shows the core as lost the moment its socket drops, fails requests in flight with CORE_UNREACHABLE, and starts over when the core answers again', async () => {
    const { sockets, answers, restart, client } = setup();
    expect(coreLinkState().kind).toBe('connecting');
    sockets[0]!.open();
    expect(coreLinkState().kind).toBe('live');
    const pending = client.invoke('connections.list', {});
    sockets[0]!.drop();
    expect(coreLinkState().kind).toBe('lost');
    await expect(pending).rejects.toMatchObject({ code: 'CORE_UNREACHABLE' });
    await expect(client.invoke('connections.list', {})).rejects.toBeInstanceOf(TopiaryError);
    await vi.waitFor(() => expect(coreLinkState()).toMatchObject({ kind: 'lost', attempts: expect.any(Number) as number }));
    await vi.waitFor(() => expect((coreLinkState() as { attempts: number }).attempts).toBeGreaterThanOrEqual(2));
    answers.push('accepted');
    await vi.waitFor(() => expect(restart).toHaveBeenCalledTimes(1));
    client.close();
  });

  it('says the token is refused when the core there does not accept it, and stops retrying', async () => {
    const { sockets, answers, restart, client } = setup();
    answers.push('refused');
    sockets[0]!.drop();
    await vi.waitFor(() => expect(coreLinkState().kind).toBe('token-rejected'));
    expect(sockets).toHaveLength(1);
    expect(restart).not.toHaveBeenCalled();
    client.close();
  });

  it('sends requests made while connecting once the socket opens, and answers them', async () => {
    const { sockets, client } = setup();
    const list = client.invoke('connections.list', {});
    sockets[0]!.open();
    expect(sockets[0]!.sent).toHaveLength(1);
    sockets[0]!.answer(encodeFrame({ kind: 'response', id: 1, result: [] }));
    expect(await list).toEqual([]);
  });

  it('needs a token: without one it opens nothing and says so', () => {
    const { sockets } = setup('');
    expect(coreLinkState().kind).toBe('no-token');
    expect(sockets).toHaveLength(0);
    expect(tokenFromHash('#token=abc')).toBe('abc');
    expect(tokenFromHash('')).toBe('');
  });
});
