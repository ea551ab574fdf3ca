import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TopiaryError } from '../../../shared/ipc/errors';
import { sealedBy, sealWithKey, unsealWithKey } from './sealed-format';

function errorOf(run: () => unknown): TopiaryError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TopiaryError);
    return error as TopiaryError;
  }
  throw new Error('expected a secret-store error');
}

describe('sealed secret format', () => {
  const key = randomBytes(32);

  it('marks the bytes with the vault that sealed them and opens them again', () => {
    const fromFile = sealWithKey('encrypted-file', key, Buffer.from('pw'));
    const fromKeyring = sealWithKey('os-keyring', key, Buffer.from('pw'));
    expect(fromFile.subarray(0, 4).toString()).toBe('TPS1');
    expect(fromKeyring.subarray(0, 4).toString()).toBe('TPK1');
    expect(sealedBy(fromFile)).toBe('encrypted-file');
    expect(sealedBy(fromKeyring)).toBe('os-keyring');
    expect(unsealWithKey('os-keyring', key, fromKeyring).toString()).toBe('pw');
  });

  it("recognises Electron safeStorage's ciphertext and nothing it does not know", () => {
    expect(sealedBy(Buffer.concat([Buffer.from('v11'), randomBytes(20)]))).toBe('safe-storage');
    expect(sealedBy(Buffer.from('XXXX-not-ours'))).toBeUndefined();
  });

  it('says which vault sealed bytes handed to the wrong one', () => {
    const fromFile = sealWithKey('encrypted-file', key, Buffer.from('pw'));
    const wrong = errorOf(() => unsealWithKey('os-keyring', key, fromFile));
    expect(wrong.reason).toBe('SECRET_SEALED_BY_OTHER_VAULT');
    expect(wrong.message).toContain('sealed by the encrypted-file vault; ');

    const fromKeyring = sealWithKey('os-keyring', key, Buffer.from('pw'));
    expect(errorOf(() => unsealWithKey('encrypted-file', key, fromKeyring)).message).toContain('sealed by the OS keyring vault; ');

    const fromSafeStorage = Buffer.concat([Buffer.from('v10'), randomBytes(40)]);
    expect(errorOf(() => unsealWithKey('os-keyring', key, fromSafeStorage)).message).toContain('desktop app');
  });

  it('authenticates the vault mark, so relabelled bytes do not open', () => {
    const sealed = sealWithKey('os-keyring', key, Buffer.from('pw'));
    const relabelled = Buffer.concat([Buffer.from('TPS1'), sealed.subarray(4)]);
    expect(errorOf(() => unsealWithKey('encrypted-file', key, relabelled)).reason).toBe('SECRET_DECRYPT_FAILED');
  });

  it('tells a wrong key, a truncation and a future version apart', () => {
    const sealed = sealWithKey('os-keyring', key, Buffer.from('password'));
    const wrongKey = errorOf(() => unsealWithKey('os-keyring', randomBytes(32), sealed));
    expect(wrongKey.reason).toBe('SECRET_DECRYPT_FAILED');
    expect(wrongKey.message).toContain('OS keyring');
    expect(errorOf(() => unsealWithKey('os-keyring', key, sealed.subarray(0, 12))).reason).toBe('SECRET_SEALED_CORRUPT');
    const future = Buffer.from(sealed);
    future[4] = 2;
    expect(errorOf(() => unsealWithKey('os-keyring', key, future)).reason).toBe('SECRET_UNSUPPORTED_VERSION');
  });
});
