import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../test-support/pki';
import { listSystemRoots, loadSystemTrustStore, type SystemRootsCache } from './system-trust-store';

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
    // Describing 140-odd roots is CPU work: about a second idle, 5 s at load 18 alone, over 20 s beside other test files.
  }, 90_000);

  it('keeps the event loop turning while it describes a long list of roots', async () => {
    const options = { bundlePaths: [join(dir, 'missing.crt')], ignoreNodeSystemStore: true };
    let turns = 0;
    let listing: Awaited<ReturnType<typeof listSystemRoots>> | undefined;
    const pending = listSystemRoots(options).then((l) => (listing = l));
    // Another request's work, queued behind the listing: it must get turns before the listing is done.
    const spin = async (): Promise<void> => {
      while (!listing) {
        turns++;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all([pending, spin()]);
    expect(listing?.roots.length).toBeGreaterThan(50);
    expect(turns).toBeGreaterThan(listing!.roots.length / 10);
  }, 90_000);

  it('describes a root once: a later listing re-reads the store, reuses known roots and recounts their days', async () => {
    const bundle = join(dir, 'cached-bundle.crt');
    await fs.writeFile(bundle, pki.text('root.crt'));
    const options = { bundlePaths: [bundle], ignoreNodeSystemStore: true };
    const cache: SystemRootsCache = new Map();
    const first = await listSystemRoots(options, cache, new Date('2026-01-01T00:00:00Z'));
    expect(cache.size).toBe(1);
    await fs.writeFile(bundle, `${pki.text('root.crt')}\n${pki.text('inter.crt')}`);
    const later = await listSystemRoots(options, cache, new Date('2026-01-11T00:00:00Z'));
    expect(later.roots.map((r) => r.subject.commonName)).toEqual(['Topiary Test Root', 'Topiary Test Intermediate']);
    expect(cache.size).toBe(2);
    expect(later.roots[0]?.fingerprints.sha256).toBe(first.roots[0]?.fingerprints.sha256);
    expect(later.roots[0]?.daysRemaining).toBe(first.roots[0]!.daysRemaining - 10);
  });
});
