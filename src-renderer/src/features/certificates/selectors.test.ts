import { describe, expect, it } from 'vitest';
import type { CertificateEntryView, CertificateId, CertificateKind, CertificatesList, ChainReport, ExpiryState } from '../../../../shared/ipc/certificates';
import { daysRemainingText, expiryBadge, splitNames } from './certificate-format';
import { initialAppState, type AppState } from '../../store/root-store';
import { certificateSelectors } from './selectors';

function entry(id: string, kind: CertificateKind, state: ExpiryState = 'valid', daysRemaining = 300): CertificateEntryView {
  return {
    id: id as CertificateId,
    label: id,
    kind,
    createdAt: '2026-01-01T00:00:00.000Z',
    certificate: {} as CertificateEntryView['certificate'],
    chain: [],
    hasPrivateKey: kind !== 'trusted-ca',
    expiry: { state, daysRemaining, message: '' },
    usedBy: [],
  };
}

const list: CertificatesList = {
  rows: [
    { status: 'ok', entry: entry('root', 'trusted-ca') },
    { status: 'ok', entry: entry('sensor', 'client-identity', 'expiring', 12) },
    { status: 'corrupt', id: 'bad' as CertificateId, file: '/x/bad.json', error: { code: 'CORRUPT_ENTRY', message: 'damaged' } },
    { status: 'ok', entry: entry('old', 'client-identity', 'expired', -3) },
  ],
};

describe('certificate selectors', () => {
  it('groups entries by kind in a fixed order, keeping empty kinds and setting damaged files apart', () => {
    const { groups, corrupt } = certificateSelectors.groups(list);
    expect(groups.map(([kind, entries]) => [kind, entries.map((e) => e.id)])).toEqual([
      ['trusted-ca', ['root']],
      ['client-identity', ['sensor', 'old']],
      ['server-identity', []],
    ]);
    expect(corrupt.map((c) => c.id)).toEqual(['bad']);
  });

  it('finds the entries that need attention and those of one kind', () => {
    expect(certificateSelectors.warnings(list).map((e) => e.id)).toEqual(['sensor', 'old']);
    expect(certificateSelectors.ofKind(list, 'trusted-ca').map((e) => e.id)).toEqual(['root']);
    expect(certificateSelectors.entry(list, 'old' as CertificateId)?.kind).toBe('client-identity');
    expect(certificateSelectors.entry(null, 'old' as CertificateId)).toBeNull();
  });

  it('labels expired and expiring certificates, and none for valid ones', () => {
    expect(expiryBadge(entry('a', 'trusted-ca'))).toBeNull();
    expect(expiryBadge(entry('b', 'trusted-ca', 'expired', -1))).toEqual({ text: 'expired', tone: 'error' });
    expect(expiryBadge(entry('c', 'trusted-ca', 'expiring', 1))).toEqual({ text: 'expires in 1 day', tone: 'warn' });
    expect(expiryBadge(entry('d', 'trusted-ca', 'expiring', 29))?.text).toBe('expires in 29 days');
  });

  it('says how many days remain, or how long ago a certificate expired', () => {
    expect(daysRemainingText(30)).toBe('30 days remaining');
    expect(daysRemainingText(0)).toBe('expires today');
    expect(daysRemainingText(-1)).toBe('expired 1 day ago');
  });

  it('splits host names and addresses typed with commas, spaces or new lines', () => {
    expect(splitNames('localhost, 127.0.0.1\nbroker.lan  ::1,')).toEqual(['localhost', '127.0.0.1', 'broker.lan', '::1']);
  });

  it('reads busy flags, failures and the built chain per area and entry', () => {
    const base = initialAppState();
    const id = 'ca' as CertificateId;
    const report = { ok: true } as unknown as ChainReport;
    const s: AppState = {
      ...base,
      certificates: { ...base.certificates, list, busy: { import: true }, errors: { test: { code: 'TLS_ERROR', message: 'handshake failed' } }, chain: { id, report } },
    };
    expect(certificateSelectors.list(s)).toBe(list);
    expect(certificateSelectors.busyOf('import')(s)).toBe(true);
    expect(certificateSelectors.busyOf('generate')(s)).toBe(false);
    expect(certificateSelectors.errorOf('test')(s)?.code).toBe('TLS_ERROR');
    expect(certificateSelectors.errorOf('import')(s)).toBeUndefined();
    expect(certificateSelectors.chainOf(id)(s)).toBe(report);
    expect(certificateSelectors.chainOf('other' as CertificateId)(s)).toBeNull();
  });
});
