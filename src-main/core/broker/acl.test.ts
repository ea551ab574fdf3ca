import { describe, expect, it } from 'vitest';
import { Acl, formatAclFile, parseAclFile } from './acl';

const FILE = `# anonymous clients
topic read public/#

user alice
topic readwrite alice/#
topic deny alice/secret
topic write sensors/+/data

pattern read clients/%c/#
pattern write users/%u/out
`;

describe('ACL rules', () => {
  it('parses mosquitto acl_file syntax into anonymous, user and pattern rules', () => {
    const rules = parseAclFile(FILE);
    expect(rules).toEqual([
      { scope: 'anonymous', access: 'read', topic: 'public/#' },
      { scope: 'user', subject: 'alice', access: 'readwrite', topic: 'alice/#' },
      { scope: 'user', subject: 'alice', access: 'deny', topic: 'alice/secret' },
      { scope: 'user', subject: 'alice', access: 'write', topic: 'sensors/+/data' },
      { scope: 'pattern', access: 'read', topic: 'clients/%c/#' },
      { scope: 'pattern', access: 'write', topic: 'users/%u/out' },
    ]);
    expect(parseAclFile(formatAclFile(rules))).toEqual(rules);
  });

  it('grants by user, lets deny win, and substitutes %u and %c in patterns', () => {
    const acl = new Acl(parseAclFile(FILE));
    const alice = { username: 'alice', clientId: 'phone' };
    const anon = { username: undefined, clientId: 'anon1' };
    expect(acl.canPublish(alice, 'alice/notes')).toBe(true);
    expect(acl.canPublish(alice, 'alice/secret')).toBe(false);
    expect(acl.canReceive(alice, 'alice/secret')).toBe(false);
    expect(acl.canPublish(alice, 'sensors/1/data')).toBe(true);
    expect(acl.canReceive(alice, 'sensors/1/data')).toBe(false);
    expect(acl.canPublish(alice, 'users/alice/out')).toBe(true);
    expect(acl.canPublish(alice, 'users/bob/out')).toBe(false);
    expect(acl.canReceive(alice, 'clients/phone/x')).toBe(true);
    expect(acl.canReceive(alice, 'clients/other/x')).toBe(false);
    expect(acl.canReceive(anon, 'public/news')).toBe(true);
    expect(acl.canPublish(anon, 'public/news')).toBe(false);
    expect(acl.canReceive(alice, 'public/news')).toBe(false);
  });

  it('lets a subscription through only when a read rule covers the whole filter', () => {
    const acl = new Acl(parseAclFile(FILE));
    const alice = { username: 'alice', clientId: 'phone' };
    expect(acl.canSubscribe(alice, 'alice/#')).toBe(true);
    expect(acl.canSubscribe(alice, 'alice/+/x')).toBe(true);
    expect(acl.canSubscribe(alice, '#')).toBe(false);
    expect(acl.canSubscribe(alice, 'alice/secret')).toBe(false);
  });

  it('does not let a wildcard in a client id widen a pattern rule', () => {
    const acl = new Acl([{ scope: 'pattern', access: 'read', topic: 'clients/%c/#' }]);
    expect(acl.canReceive({ username: undefined, clientId: '+' }, 'clients/other/x')).toBe(false);
  });

  it('applies client-scoped rules to that client id only', () => {
    const acl = new Acl([{ scope: 'client', subject: 'gw-1', access: 'write', topic: 'gw/#' }]);
    expect(acl.canPublish({ username: undefined, clientId: 'gw-1' }, 'gw/a')).toBe(true);
    expect(acl.canPublish({ username: undefined, clientId: 'gw-2' }, 'gw/a')).toBe(false);
  });

  it('reports the line of a rule it cannot read', () => {
    expect(() => parseAclFile('user bob\nallow everything\n')).toThrow(/Line 2/);
  });
});
