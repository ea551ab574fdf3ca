import { describe, expect, it } from 'vitest';
import { expiryStatus, worstExpiryStatus } from './expiry-status';

const cert = (notBefore: string, notAfter: string) => ({ notBefore, notAfter, subject: { text: 'CN=broker', commonName: 'broker', attributes: [] } });
const now = new Date('2026-06-01T12:00:00Z');

describe('expiry status', () => {
  it('flags a certificate with fewer than 30 days left as expiring and one with 30 or more as valid', () => {
    expect(expiryStatus(cert('2026-01-01T00:00:00Z', '2026-06-30T12:00:00Z'), now)).toMatchObject({ state: 'expiring', daysRemaining: 29 });
    expect(expiryStatus(cert('2026-01-01T00:00:00Z', '2026-07-01T12:00:00Z'), now)).toMatchObject({ state: 'valid', daysRemaining: 30 });
  });

  it('says expired one second after notAfter and not yet valid one second before notBefore', () => {
    expect(expiryStatus(cert('2026-01-01T00:00:00Z', '2026-06-01T11:59:59Z'), now)).toMatchObject({ state: 'expired' });
    const future = expiryStatus(cert('2026-06-01T12:00:01Z', '2027-01-01T00:00:00Z'), now);
    expect(future.state).toBe('not-yet-valid');
    expect(future.message).toContain('2026-06-01');
  });

  it('reports the worst status across a chain', () => {
    const worst = worstExpiryStatus([cert('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), cert('2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z')], now);
    expect(worst.state).toBe('expired');
    expect(worst.message).toContain('expired on 2021-01-01');
  });
});
