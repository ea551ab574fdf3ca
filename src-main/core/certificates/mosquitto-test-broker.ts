// Test support only: Debian's mosquitto with TLS listeners on free ports, one per spec.
import { freePort } from '../net/free-port';
import { startMosquitto as startConfigured } from '../../test-support/mosquitto';

export { freePort };

export interface TlsListenerSpec {
  readonly name: string;
  readonly certfile: string;
  readonly keyfile: string;
  readonly cafile?: string;
  readonly requireCertificate?: boolean;
}

export interface RunningMosquitto {
  /** Port of each listener by name. */
  readonly ports: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startMosquitto(listeners: readonly TlsListenerSpec[]): Promise<RunningMosquitto> {
  const ports: Record<string, number> = {};
  const lines = ['allow_anonymous true', 'log_type error', 'log_type warning'];
  for (const listener of listeners) {
    const port = await freePort();
    ports[listener.name] = port;
    lines.push(`listener ${port} 127.0.0.1`, `certfile ${listener.certfile}`, `keyfile ${listener.keyfile}`);
    if (listener.cafile) lines.push(`cafile ${listener.cafile}`);
    if (listener.requireCertificate) lines.push('require_certificate true');
  }
  const broker = await startConfigured({ listeners: lines });
  return { ports, stop: () => broker.stop() };
}
