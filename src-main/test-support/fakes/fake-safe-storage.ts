// Test support only: a stand-in for Electron's safeStorage with the same contract (strings in, opaque
// bytes out, Chromium's 'v10' mark first), since the Electron binary cannot run here.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SafeStorageLike } from '../../core/secrets/safe-storage-secret-store';

export function fakeSafeStorage(available = true): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    encryptString: (text) => {
      const iv = randomBytes(16);
      const c = createCipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([Buffer.from('v10'), iv, c.update(text, 'utf8'), c.final()]);
    },
    decryptString: (buf) => {
      const d = createDecipheriv('aes-256-cbc', key, buf.subarray(3, 19));
      return Buffer.concat([d.update(buf.subarray(19)), d.final()]).toString('utf8');
    },
  };
}
