import { describe, expect, it } from 'vitest';
import { initialAppState } from '../../store/root-store';
import { publishSelectors } from './selectors';
import { transformOf, withLoadedTransform } from './state';

describe('the composer payload script', () => {
  it('starts off, so a composed message carries no transform until the box is ticked', () => {
    const setting = publishSelectors.payloadScript(initialAppState());
    expect(setting.enabled).toBe(false);
    expect(transformOf(setting)).toEqual({});
    expect(transformOf({ ...setting, enabled: true, per: 'once' })).toEqual({ transform: { source: setting.source, per: 'once' } });
  });

  it('takes a loaded message’s script, opening a new editor model only when the text differs', () => {
    const start = publishSelectors.payloadScript(initialAppState());
    const loaded = withLoadedTransform(start, { source: 'return 1;' });
    expect(loaded).toEqual({ enabled: true, source: 'return 1;', per: 'message', version: start.version + 1 });
    expect(withLoadedTransform(loaded, { source: 'return 1;', per: 'once' })).toEqual({ ...loaded, per: 'once' });
    expect(withLoadedTransform(loaded, undefined)).toEqual({ ...loaded, enabled: false });
  });
});
