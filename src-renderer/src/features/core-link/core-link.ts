import { decodeFrame, encodeFrame } from '../../../../shared/ipc/frame-codec';
import { Listeners, type Frame, type Wire } from '../../../../shared/ipc/wire';

/**
 * Whether this window really talks to a live Topiary core. Web mode's core is a separate process
 * that can stop under an open tab; the window must never look alive when it is not.
 */
export type CoreLinkState =
  | { readonly kind: 'live' }
  | { readonly kind: 'connecting' }
  /** The core went away (or cannot be reached); the page retries by itself and reloads when it is back. */
  | { readonly kind: 'lost'; readonly attempts: number }
  /** The core at this address refuses this tab's token: rotated, or another Topiary holds the port. */
  | { readonly kind: 'token-rejected' }
  /** The address carries no token at all. */
  | { readonly kind: 'no-token' };

const changes = new Listeners<void>();
// The Electron shell's bridge cannot drop away from its own window: live unless a web link says otherwise.
let current: CoreLinkState = { kind: 'live' };

export function coreLinkState(): CoreLinkState {
  return current;
}

export function subscribeCoreLink(listener: () => void): () => void {
  return changes.add(listener);
}

function setLinkState(next: CoreLinkState): void {
  current = next;
  changes.emit();
}

/** What the page asks the host before (re)opening its socket: is the core there, and does it take our token? */
export type LinkProbe = () => Promise<'accepted' | 'refused' | 'unreachable'>;

/** A socket as far as the link needs one: the browser's WebSocket, or a stand-in in tests. */
export interface LinkSocket {
  binaryType: string;
  readonly readyState: number;
  send(bytes: Uint8Array): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'message', listener: (event: { data?: unknown }) => void): void;
}

export interface WebLinkOptions {
  readonly token: string;
  readonly openSocket: () => LinkSocket;
  readonly probe: LinkProbe;
  /** Called once the core answers again after the link was live: the page starts over on its fresh state. */
  readonly restart: () => void;
  readonly retryMs?: number;
}

const OPEN = 1;

/**
 * The page's end of web mode's wire, watching the link: a lost socket shows at once (requests in
 * flight fail with CORE_UNREACHABLE), the host is asked every second whether the core is back, and
 * a refused token is told apart from an absent core.
 */
export function createWebLinkWire(options: WebLinkOptions): Wire {
  const frames = new Listeners<Frame>();
  const closes = new Listeners<void>();
  const queued: Uint8Array[] = [];
  const retryMs = options.retryMs ?? 1_000;
  let socket: LinkSocket | undefined;
  let wasLive = false;
  let stopped = false;
  let attempts = 0;

  // Requests made while there is no core fail at once rather than wait for an answer that cannot come.
  const failPending = (): void => void Promise.resolve().then(() => closes.emit());

  const check = async (): Promise<void> => {
    if (stopped) return;
    const answer = await options.probe().catch(() => 'unreachable' as const);
    if (answer === 'refused') return setLinkState({ kind: 'token-rejected' });
    if (answer === 'accepted') {
      // Whatever the page asked for before is gone with the old socket: start over on the core's fresh state.
      if (wasLive || attempts > 0) return options.restart();
      attempts++;
      setTimeout(open, retryMs);
      return;
    }
    attempts++;
    setLinkState({ kind: 'lost', attempts });
    setTimeout(() => void check(), retryMs);
  };

  const open = (): void => {
    const s = options.openSocket();
    socket = s;
    s.binaryType = 'arraybuffer';
    s.addEventListener('open', () => {
      wasLive = true;
      attempts = 0;
      setLinkState({ kind: 'live' });
      for (const bytes of queued.splice(0)) s.send(bytes);
    });
    s.addEventListener('message', (event) => {
      if (event.data instanceof ArrayBuffer) frames.emit(decodeFrame(new Uint8Array(event.data)) as Frame);
    });
    s.addEventListener('close', () => {
      if (socket !== s) return;
      socket = undefined;
      if (stopped) return;
      if (wasLive) setLinkState({ kind: 'lost', attempts });
      queued.length = 0;
      closes.emit();
      void check();
    });
  };

  if (options.token === '') {
    setLinkState({ kind: 'no-token' });
  } else {
    setLinkState({ kind: 'connecting' });
    open();
  }

  return {
    send(frame) {
      const bytes = encodeFrame(frame);
      if (socket?.readyState === OPEN) socket.send(bytes);
      else if (!wasLive && current.kind === 'connecting') queued.push(bytes);
      else failPending();
    },
    onFrame: (listener) => frames.add(listener),
    onClose: (listener) => closes.add(listener),
    close() {
      stopped = true;
      socket?.close();
      closes.emit();
    },
  };
}

/** The token web mode printed in the URL's fragment (a fragment never reaches a server's logs). */
export function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}

/** The web link for this page's own address. */
export function createBrowserLinkWire(location: Location): Wire {
  const token = tokenFromHash(location.hash);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return createWebLinkWire({
    token,
    openSocket: () => new WebSocket(`${scheme}://${location.host}/ipc?token=${encodeURIComponent(token)}`),
    probe: async () => {
      try {
        const res = await fetch('/link', { headers: { 'x-topiary-token': token }, cache: 'no-store' });
        if (res.status === 204) return 'accepted';
        return res.status === 401 ? 'refused' : 'unreachable';
      } catch {
        return 'unreachable';
      }
    },
    restart: () => location.reload(),
  });
}
