import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { ProfileId } from '../../../shared/ipc/profiles';
import { openEncryptedFileSecretStore } from '../secrets/encrypted-file-secret-store';
import { createSafeStorageSecretStore } from '../secrets/safe-storage-secret-store';
import type { SecretStore } from '../secrets/secret-store';
import { ProfileStore } from './profile-store';
import { everyFileText } from '../../test-support/every-file-text';

let dir: string;
let file: string;
let secrets: SecretStore;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-profiles-'));
  file = join(dir, 'profiles.json');
  secrets = await openEncryptedFileSecretStore({ keyFile: join(dir, 'secret.key') });
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const open = (): Promise<ProfileStore> => ProfileStore.open({ file, secrets });


async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(TopiaryError);
    return (error as TopiaryError).code;
  }
}

describe('profile store', () => {
  it('creates, edits and deletes a profile, and a new instance reads the same profiles back', async () => {
    const store = await open();
    const created = await store.save({ name: 'Plant', folder: '', options: { url: 'mqtt://10.0.0.5:1883', clientId: 'plant-1', keepalive: 30 } });
    expect(created.options).toEqual({ url: 'mqtt://10.0.0.5:1883', clientId: 'plant-1', keepalive: 30 });
    await store.save({ id: created.id, name: 'Plant floor', folder: '', options: { url: 'mqtts://10.0.0.5:8883', clientId: 'plant-1' } });
    const other = await store.save({ name: 'Lab', folder: '', options: { url: 'mqtt://lab:1883' } });

    const reopened = await open();
    expect(reopened.list().map((p) => [p.name, p.options.url])).toEqual([
      ['Plant floor', 'mqtts://10.0.0.5:8883'],
      ['Lab', 'mqtt://lab:1883'],
    ]);
    await reopened.delete(created.id);
    expect((await open()).list().map((p) => p.id)).toEqual([other.id]);
  });

  it('refuses options the connect schema would refuse, naming the field', async () => {
    const store = await open();
    try {
      await store.save({ name: 'Bad', folder: '', options: { url: 'http://nope' } });
      expect.unreachable();
    } catch (error) {
      expect((error as TopiaryError).code).toBe('VALIDATION_ERROR');
      expect((error as TopiaryError).message).toMatch(/^Unsupported scheme "http:\/\/"/);
      expect((error as TopiaryError).details).toMatchObject({ issues: [{ path: 'url' }] });
    }
    expect(store.list()).toEqual([]);
  });

  it('reports a missing profile as NOT_FOUND', async () => {
    const store = await open();
    expect(await codeOf(store.delete('nope' as ProfileId))).toBe('NOT_FOUND');
  });

  it('keeps secrets sealed: no file in the folder holds the password, passphrase or private key in plain text', async () => {
    const store = await open();
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-unique-key-material\n-----END PRIVATE KEY-----\n';
    const saved = await store.save({
      name: 'Secure',
      folder: 'Prod',
      options: { url: 'mqtts://broker:8883', username: 'alice', password: 'hunter2-very-secret', tls: { key, keyPassphrase: 'pass-phrase-xyz', pkcs12: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x99, 0x42]), pkcs12Password: 'p12-pw-abc' } },
    });
    expect(saved.secrets).toEqual(['password', 'tls.key', 'tls.keyPassphrase', 'tls.pkcs12', 'tls.pkcs12Password']);
    expect(JSON.stringify(saved.options)).not.toContain('hunter2');
    await store.flushed();

    const everything = await everyFileText(dir);
    expect(everything).toContain('alice');
    for (const secret of ['hunter2-very-secret', 'unique-key-material', 'pass-phrase-xyz', 'p12-pw-abc', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x99, 0x42]).toString('latin1'), '3q2+75lC']) {
      expect(everything).not.toContain(secret);
    }

    const resolved = await (await open()).resolve(saved.id);
    expect(resolved.options).toMatchObject({ password: 'hunter2-very-secret', tls: { key, keyPassphrase: 'pass-phrase-xyz' } });
    expect((resolved.options.tls as { pkcs12: Uint8Array }).pkcs12).toEqual(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x99, 0x42]));
  });

  it('keeps a stored secret when an edit leaves it out, replaces it when given, and forgets it when cleared', async () => {
    const store = await open();
    const saved = await store.save({ name: 'A', folder: '', options: { url: 'mqtt://a:1883', username: 'u', password: 'first' } });
    await store.save({ id: saved.id, name: 'A', folder: '', options: { url: 'mqtt://a:1883', username: 'u', password: '' } });
    expect((await store.resolve(saved.id)).options.password).toBe('first');
    await store.save({ id: saved.id, name: 'A', folder: '', options: { url: 'mqtt://a:1883', username: 'u', password: 'second' } });
    expect((await store.resolve(saved.id)).options.password).toBe('second');
    const cleared = await store.save({ id: saved.id, name: 'A', folder: '', options: { url: 'mqtt://a:1883', username: 'u' }, clearSecrets: ['password'] });
    expect(cleared.secrets).toEqual([]);
    expect((await store.resolve(saved.id)).options.password).toBeUndefined();
  });

  it('duplicates a profile with its secrets right after the original', async () => {
    const store = await open();
    const a = await store.save({ name: 'A', folder: 'F', options: { url: 'mqtt://a:1883', password: 'pw-a' } });
    const b = await store.save({ name: 'B', folder: 'F', options: { url: 'mqtt://b:1883' } });
    const copy = await store.duplicate(a.id);
    expect(copy.name).toBe('A (copy)');
    expect(store.list().map((p) => [p.name, p.order])).toEqual([
      ['A', 0],
      ['A (copy)', 1],
      ['B', 2],
    ]);
    expect((await store.resolve(copy.id)).options.password).toBe('pw-a');
    expect(copy.id).not.toBe(a.id);
    expect(b.order).toBe(1);
  });

  it('groups profiles in folders and reorders them within and across folders, persisting the order', async () => {
    const store = await open();
    const names = ['one', 'two', 'three'];
    const ids: ProfileId[] = [];
    for (const name of names) ids.push((await store.save({ name, folder: 'Plant/Line 1', options: { url: `mqtt://${name}:1883` } })).id);
    const lab = await store.save({ name: 'lab', folder: 'Lab', options: { url: 'mqtt://lab:1883' } });

    await store.move(ids[2] as ProfileId, 'Plant/Line 1', 0);
    expect(store.list().filter((p) => p.folder === 'Plant/Line 1').map((p) => p.name)).toEqual(['three', 'one', 'two']);

    await store.move(ids[0] as ProfileId, 'Lab', 0);
    const reopened = await open();
    expect(reopened.folders()).toEqual(['Lab', 'Plant/Line 1']);
    expect(reopened.list().map((p) => [p.folder, p.name, p.order])).toEqual([
      ['Lab', 'one', 0],
      ['Lab', 'lab', 1],
      ['Plant/Line 1', 'three', 0],
      ['Plant/Line 1', 'two', 1],
    ]);
    expect(lab.folder).toBe('Lab');

    await reopened.move(ids[1] as ProfileId, 'Lab', 99);
    expect(reopened.list().filter((p) => p.folder === 'Lab').map((p) => p.name)).toEqual(['one', 'lab', 'two']);
  });

  it('moves a profile to the end of another folder when an edit changes its folder', async () => {
    const store = await open();
    const a = await store.save({ name: 'a', folder: 'X', options: { url: 'mqtt://a:1883' } });
    await store.save({ name: 'b', folder: 'X', options: { url: 'mqtt://b:1883' } });
    await store.save({ name: 'c', folder: 'Y', options: { url: 'mqtt://c:1883' } });
    await store.save({ id: a.id, name: 'a', folder: 'Y', options: { url: 'mqtt://a:1883' } });
    expect(store.list().map((p) => [p.folder, p.name, p.order])).toEqual([
      ['X', 'b', 0],
      ['Y', 'c', 0],
      ['Y', 'a', 1],
    ]);
  });

  it('keeps a corrupt profiles file aside, reports it, and starts empty without crashing', async () => {
    await fs.writeFile(file, '{"format":"topiary-profiles","version":1,"profiles":[{"id":');
    const store = await ProfileStore.open({ file, secrets, now: () => new Date('2026-11-22T10:00:00.000Z') });
    expect(store.list()).toEqual([]);
    expect(store.notice?.code).toBe('PROFILES_FILE_CORRUPT');
    expect(store.notice?.message).toContain('profiles.json.corrupt-2026-11-22T10-00-00-000Z');
    const kept = join(dir, 'profiles.json.corrupt-2026-11-22T10-00-00-000Z');
    expect(await fs.readFile(kept, 'utf8')).toContain('"profiles":[{"id":');

    await store.save({ name: 'fresh', folder: '', options: { url: 'mqtt://fresh:1883' } });
    expect((await open()).list().map((p) => p.name)).toEqual(['fresh']);
    expect(await fs.readFile(kept, 'utf8')).toContain('"profiles":[{"id":');
  });

  it('treats a well-formed file of the wrong shape as corrupt too', async () => {
    await fs.writeFile(file, JSON.stringify({ format: 'topiary-profiles', version: 1, profiles: [{ id: 1 }] }));
    const store = await open();
    expect(store.notice?.code).toBe('PROFILES_FILE_CORRUPT');
    expect((await fs.readdir(dir)).some((n) => n.startsWith('profiles.json.corrupt-'))).toBe(true);
  });

  it('leaves a profiles file it cannot read untouched, reports it, and refuses to write over it', async () => {
    await fs.mkdir(file);
    await fs.writeFile(join(file, 'precious'), 'keep me');
    const store = await open();
    expect(store.notice?.code).toBe('PROFILES_FILE_UNREADABLE');
    expect(store.notice?.message).toContain(file);
    expect(await codeOf(store.save({ name: 'x', folder: '', options: { url: 'mqtt://x:1883' } }))).toBe('INTERNAL_ERROR');
    expect(store.list()).toEqual([]);
    expect(await fs.readFile(join(file, 'precious'), 'utf8')).toBe('keep me');
  });

  it('writes atomically: concurrent saves all land, no temp file is left behind, and the file is private', async () => {
    const store = await open();
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save({ name: `p${i}`, folder: '', options: { url: `mqtt://h${i}:1883` } })));
    expect((await open()).list()).toHaveLength(20);
    expect((await fs.readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('reports a secret sealed under another key with a sentence instead of crashing', async () => {
    const store = await open();
    const saved = await store.save({ name: 'A', folder: '', options: { url: 'mqtt://a:1883', password: 'pw' } });
    const otherVault = await openEncryptedFileSecretStore({ keyFile: join(dir, 'other.key') });
    const foreign = await ProfileStore.open({ file, secrets: otherVault });
    try {
      await foreign.resolve(saved.id);
      expect.unreachable();
    } catch (error) {
      expect((error as TopiaryError).code).toBe('VALIDATION_ERROR');
      expect((error as TopiaryError).message).toContain('Enter the secret again');
    }
  });

  it('reads secrets sealed by the previous vault after a move to the keychain, and re-seals them with the new one on save', async () => {
    const store = await open();
    const saved = await store.save({ name: 'A', folder: '', options: { url: 'mqtt://a:1883', password: 'from-file-vault' } });
    // A stand-in keychain: reversible, and refuses bytes it did not make, as safeStorage does.
    const keychain = createSafeStorageSecretStore({
      isEncryptionAvailable: () => true,
      encryptString: (text) => Buffer.concat([Buffer.from('v10'), Buffer.from(text).reverse()]),
      decryptString: (sealed) => {
        if (!sealed.subarray(0, 3).equals(Buffer.from('v10'))) throw new Error('not ours');
        return Buffer.from(sealed.subarray(3)).reverse().toString();
      },
    });
    const moved = await ProfileStore.open({ file, secrets: keychain, previousSecrets: async () => secrets });
    expect((await moved.resolve(saved.id)).options.password).toBe('from-file-vault');
    await moved.save({ id: saved.id, name: 'A2', folder: '', options: { url: 'mqtt://a:1883' } });
    const keychainOnly = await ProfileStore.open({ file, secrets: keychain });
    expect((await keychainOnly.resolve(saved.id)).options.password).toBe('from-file-vault');
  });

  it('reports which vault guards the secrets', async () => {
    const info = (await open()).secretStoreInfo();
    expect(info.kind).toBe('encrypted-file');
    expect(info.description).toContain('secret.key');
  });
});
