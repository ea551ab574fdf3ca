import { setSlice } from '../../store/root-store';
import { coreLinkState, subscribeCoreLink } from './core-link';

/** Mirrors the wire's link state into the store, from now on; once, at start-up. */
export function listenToCoreLink(): void {
  setSlice('coreLink', { link: coreLinkState() });
  subscribeCoreLink(() => setSlice('coreLink', { link: coreLinkState() }));
}
