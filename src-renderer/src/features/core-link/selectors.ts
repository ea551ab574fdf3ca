import type { AppState } from '../../store/root-store';
import type { CoreLinkState } from './core-link';

export const coreLinkSelectors = {
  link: (s: AppState): CoreLinkState => s.coreLink.link,
  /** The window is covered: it does not talk to a live core (connecting, the first moment, is not covered). */
  covered: (s: AppState): boolean => s.coreLink.link.kind !== 'live' && s.coreLink.link.kind !== 'connecting',
};
