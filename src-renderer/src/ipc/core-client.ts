import { createClient, type ContractClient } from '../../../shared/ipc/client';
import { createBrowserLinkWire } from '../features/core-link/core-link';
import { createBridgeWire } from './bridge-wire';

function connect(): ContractClient {
  if (window.topiaryBridge) return createClient(createBridgeWire(window.topiaryBridge));
  // Web mode: the core is another process that may stop and come back; the link watches for both.
  return createClient(createBrowserLinkWire(window.location));
}

/** The one client the whole UI talks to the core through. */
export const core: ContractClient = connect();
