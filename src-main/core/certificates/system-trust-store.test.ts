import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../test-support/pki';
import { listSystemRoots, loadSystemTrustStore } from './system-trust-store';

let pki: TestPki;
let dir: string;
beforeAll(async () => {
  pki = createTestPki();
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-trust-'));
});
afterAll(async () => {
  pki.cleanup();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('OS trust store', () => {
  it('reads the first existing bundle file and says which one it used', async () => {
    const bundle = join(dir, 'ca-bundle.crt');
    await fs.writeFile(bundle, `# comment\n${pki.text('root.crt')}\n${pki.text('inter.crt')}`);
    const listing = await listSystemRoots({ bundlePaths: [join(dir, 'missing.crt'), bundle], ignoreNodeSystemStore: true });
    expect(listing.source).toBe('bundle-file');
    expect(listing.path).toBe(bundle);
    expect(listing.label).toContain(bundle);
    expect(listing.roots.map((r) => r.subject.commonName)).toEqual(['Topiary Test Root', 'Topiary Test Intermediate']);
  });

  it("falls back to Node's bundled roots, labelled as such, when no bundle can be read", async () => {
    const store = await loadSystemTrustStore({ bundlePaths: [join(dir, 'missing.crt')], ignoreNodeSystemStore: true });
    expect(store.source).toBe('node-bundled');
    expect(store.label).toContain('built-in');
    expect(store.certificates.length).toBe(rootCertificates.length);
  });

  it.runIf(existsSync('/etc/ssl/certs/ca-certificates.crt'))('reads the Debian bundle by default on Node 20', async () => {
    const listing = await listSystemRoots();
    expect(listing.source).toBe('bundle-file');
    expect(listing.path).toBe('/etc/ssl/certs/ca-certificates.crt');
    expect(listing.roots.length).toBeGreaterThan(50);
    expect(listing.roots.every((r) => r.isCa || r.selfSigned)).toBe(true);
  });
});
