import { useStore } from '../../store/root-store';
import { coreLinkSelectors } from './selectors';
import './core-link.css';

/**
 * Covers the whole window when it does not talk to a live core: a lost core (reconnecting by
 * itself), a refused token or a missing one. Nothing under it can be clicked, so nothing stale
 * can be mistaken for working.
 */
export function CoreLinkOverlay(): React.JSX.Element | null {
  const state = useStore(coreLinkSelectors.link);
  switch (state.kind) {
    case 'live':
    case 'connecting':
      return null;
    case 'lost':
      return (
        <div className="core-link-cover" role="alertdialog" aria-modal="true" aria-labelledby="core-link-title" data-testid="core-lost">
          <div className="core-link-box">
            <h1 id="core-link-title">Topiary's core has stopped</h1>
            <p>This window has lost its link to the Topiary process, so nothing on it is current and nothing you do here reaches a broker.</p>
            <p>
              Start Topiary again with the same user-data folder (<code>npm run web</code> or <code>npm start</code>); this page reconnects by itself
              and shows the core's state again.
            </p>
            <p className="core-link-status" data-testid="core-lost-attempts" aria-live="polite">
              Reconnecting… {state.attempts > 0 ? `(tried ${state.attempts} ${state.attempts === 1 ? 'time' : 'times'})` : ''}
            </p>
          </div>
        </div>
      );
    case 'token-rejected':
      return (
        <div className="core-link-cover core-link-page" role="alert" data-testid="core-token-rejected">
          <div className="core-link-box">
            <h1>This address's access token is not accepted</h1>
            <p>A Topiary core is running here, but it does not accept the token in this tab's address. Either the token was renewed (Topiary was started with <code>--rotate-token</code>), or another Topiary, with a different user-data folder, now listens on this port.</p>
            <p>
              Open the address Topiary printed when it started — the line <code>Topiary web mode: open http://127.0.0.1:…/#token=…</code> — or start it again to see that line.
            </p>
          </div>
        </div>
      );
    case 'no-token':
      return (
        <div className="core-link-cover core-link-page" role="alert" data-testid="core-no-token">
          <div className="core-link-box">
            <h1>This address has no access token</h1>
            <p>Topiary's web mode only answers pages that carry the token it printed when it started, so no other web page or program on this machine can use it.</p>
            <p>
              Open the full address from the line <code>Topiary web mode: open http://127.0.0.1:…/#token=…</code> that <code>npm run web</code> or <code>npm start</code> printed.
            </p>
          </div>
        </div>
      );
  }
}
