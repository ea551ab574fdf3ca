import { describe, expect, it } from 'vitest';
import { initialAppState, type AppState } from '../../store/root-store';
import type { CoreLinkState } from './core-link';
import { coreLinkSelectors } from './selectors';

const withLink = (link: CoreLinkState): AppState => ({ ...initialAppState(), coreLink: { link } });

describe('core link selectors', () => {
  it('starts live and uncovered', () => {
    expect(coreLinkSelectors.link(initialAppState())).toEqual({ kind: 'live' });
    expect(coreLinkSelectors.covered(initialAppState())).toBe(false);
  });

  it('covers the window when the core is lost or refuses the token, not while first connecting', () => {
    expect(coreLinkSelectors.covered(withLink({ kind: 'connecting' }))).toBe(false);
    expect(coreLinkSelectors.covered(withLink({ kind: 'lost', attempts: 3 }))).toBe(true);
    expect(coreLinkSelectors.covered(withLink({ kind: 'token-rejected' }))).toBe(true);
    expect(coreLinkSelectors.covered(withLink({ kind: 'no-token' }))).toBe(true);
  });
});
