import { useState } from 'react';
import type { MovedSetting } from '../../../../shared/ipc/broker';
import { setBrokerMoved } from './actions';

/**
 * A test setting: the broker sends every client to another server with an MQTT 5 Server Reference
 * (0x9C "use another server", or 0x9D "server moved"), to see how clients follow it.
 */
export function BrokerRedirect({ moved, busy }: { readonly moved: MovedSetting | undefined; readonly busy: boolean }): React.JSX.Element {
  const [reference, setReference] = useState(moved?.serverReference ?? '');
  const [permanent, setPermanent] = useState(moved?.permanent ?? false);
  return (
    <section className="broker-section" data-testid="broker-redirect" data-moved={moved ? 'yes' : 'no'}>
      <h3>Send clients elsewhere (for testing)</h3>
      {moved ? (
        <p className="warn" role="status" data-testid="broker-redirect-active">
          Every client is sent to <span className="mono">{moved.serverReference}</span> ({moved.permanent ? '0x9D server moved' : '0x9C use another server'}): new connections are refused
          and connected MQTT 5 clients were disconnected with that reference. MQTT 3 clients are refused as "server unavailable".
        </p>
      ) : (
        <p>MQTT 5 clients get a Server Reference naming the server to use; connected ones are disconnected at once. Not saved: it ends when Topiary restarts.</p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void setBrokerMoved({ serverReference: reference, permanent });
        }}
      >
        <label>
          Server reference{' '}
          <input
            className="mono"
            data-testid="broker-redirect-reference"
            placeholder="otherhost:1883"
            title="One or more servers as host:port or a broker URL, separated by spaces"
            value={reference}
            onChange={(e) => setReference(e.target.value)}
          />
        </label>{' '}
        <label title="0x9D Server moved (for good) instead of 0x9C Use another server (for now)">
          <input type="checkbox" data-testid="broker-redirect-permanent" checked={permanent} onChange={(e) => setPermanent(e.target.checked)} /> Moved for good
        </label>{' '}
        <button type="submit" className="primary" data-testid="broker-redirect-apply" disabled={busy || reference.trim() === ''}>
          {moved ? 'Update' : 'Send clients there'}
        </button>{' '}
        {moved ? (
          <button type="button" data-testid="broker-redirect-stop" disabled={busy} onClick={() => void setBrokerMoved(null)}>
            Stop sending clients away
          </button>
        ) : null}
      </form>
    </section>
  );
}
