import { createClient, type ContractClient } from '../../../shared/ipc/client';
import { createBridgeWire } from './bridge-wire';
import { createWebSocketWire } from './web-socket-wire';

/** The token web mode printed in the URL's fragment (never sent to a server in a request line). */
function tokenFromLocation(): string {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  return params.get('token') ?? '';
}

function connect(): ContractClient {
  if (window.topiaryBridge) return createClient(createBridgeWire(window.topiaryBridge));
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${window.location.host}/ipc?token=${encodeURIComponent(tokenFromLocation())}`;
  return createClient(createWebSocketWire(url));
}

/** The one client the whole UI talks to the core through. */
export const core: ContractClient = connect();
