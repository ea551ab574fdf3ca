import { describe, expect, it } from 'vitest';
import type { CertificateEntryView } from '../../../../shared/ipc/certificates';
import { importNoticeText } from './certificate-format';

const entry = (id: string, label: string): CertificateEntryView => ({ id, label }) as unknown as CertificateEntryView;

describe('import notice', () => {
  it('says nothing when every entry is new', () => {
    expect(importNoticeText([entry('a', 'Root A')], new Set(['z']))).toBeNull();
  });

  it('says so when the certificate was already in the store', () => {
    expect(importNoticeText([entry('a', 'Root A')], new Set(['a']))).toBe('"Root A" is already in your store; nothing was added.');
    expect(importNoticeText([entry('a', 'Root A'), entry('b', 'Root B')], new Set(['a', 'b']))).toBe('All of these are already in your store ("Root A", "Root B"); nothing was added.');
    expect(importNoticeText([entry('a', 'Root A'), entry('c', 'New C')], new Set(['a']))).toBe('Already in your store, so not added again: "Root A".');
  });
});
