import { describe, expect, it } from 'vitest';
import { accessLossWhat, accessLossWho } from './access-loss-text';

describe('access loss text', () => {
  it('names Topiary\'s own connection as such, and others by client id and user', () => {
    expect(accessLossWho({ clientId: 'topiary-1', topiaryConnection: 'Embedded broker', deniedSubscriptions: [], deniedPublishes: [] })).toBe(
      'Topiary\'s own connection "Embedded broker" (anonymous)',
    );
    expect(accessLossWho({ clientId: 'sensor-1', username: 'ann', deniedSubscriptions: [], deniedPublishes: [] })).toBe('sensor-1 (user ann)');
  });

  it('says each kind of loss, and nothing for kinds not lost', () => {
    expect(accessLossWhat({ clientId: 'c', refusedAtConnect: 'anonymous logins would be refused', deniedSubscriptions: ['#', '$SYS/#'], deniedPublishes: ['a/b'] })).toEqual([
      'Its next login is refused: anonymous logins would be refused.',
      'Stops receiving on #, $SYS/#.',
      'May no longer publish to a/b.',
    ]);
    expect(accessLossWhat({ clientId: 'c', deniedSubscriptions: [], deniedPublishes: ['x'] })).toEqual(['May no longer publish to x.']);
  });
});
