import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPasswordFile, hashPassword, parsePasswordFile, verifyPassword } from './password-file';
import { createUserRecord } from './user-credentials';
import { freePort } from '../../test-support/free-port';
import { startMosquitto } from '../../test-support/mosquitto';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'topiary-pw-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('mosquitto password hashes', () => {
  it("writes $7$ PBKDF2-SHA512 hashes with OWASP's 210,000 iterations and a 12-byte salt that verify", () => {
    const h = hashPassword('s3cret');
    const [, kind, iterations, salt, hash] = h.split('$');
    expect(kind).toBe('7');
    expect(iterations).toBe('210000');
    expect(Buffer.from(salt!, 'base64')).toHaveLength(12);
    expect(Buffer.from(hash!, 'base64')).toHaveLength(64);
    expect(verifyPassword('s3cret', h)).toBe(true);
    expect(verifyPassword('wrong', h)).toBe(false);
  });

  it('verifies hashes written by mosquitto_passwd (both $7$ and legacy $6$)', () => {
    const dir = tempDir();
    const file = join(dir, 'pw');
    execFileSync('mosquitto_passwd', ['-b', '-c', file, 'alice', 'wonderland']);
    execFileSync('mosquitto_passwd', ['-H', 'sha512', '-b', file, 'bob', 'builder']);
    const users = parsePasswordFile(readFileSync(file, 'utf8'));
    expect(users.map((u) => u.username)).toEqual(['alice', 'bob']);
    expect(users[0]!.passwordHash.startsWith('$7$101$')).toBe(true);
    expect(users[1]!.passwordHash.startsWith('$6$')).toBe(true);
    expect(verifyPassword('wonderland', users[0]!.passwordHash)).toBe(true);
    expect(verifyPassword('builder', users[1]!.passwordHash)).toBe(true);
    expect(verifyPassword('builder', users[0]!.passwordHash)).toBe(false);
  });

  it('keeps SCRAM keys and methods in comment lines that round-trip, and never the password', async () => {
    const carol = await createUserRecord('carol', 'pa55', { passwordIterations: 1000 });
    const dave = await createUserRecord('dave', 'scram-only', { authMethods: ['SCRAM-SHA-512'] });
    const text = formatPasswordFile([carol, dave]);
    expect(text).not.toContain('pa55');
    expect(text).not.toContain('scram-only');
    expect(text).toMatch(/^#scram:carol:SCRAM-SHA-256\$4096:/m);
    expect(text).not.toMatch(/^dave:/m);
    expect(text).toContain('#methods:dave:SCRAM-SHA-512\n');
    expect(parsePasswordFile(text)).toEqual([carol, dave]);
    expect(() => parsePasswordFile('#scram:eve:SCRAM-SHA-256$4096:abc\n')).toThrow(/RFC 5803 form/);
    expect(() => parsePasswordFile('#methods:eve:PLAIN\n')).toThrow(/unknown method "PLAIN"/);
    expect(parsePasswordFile('# an ordinary comment: scram\n')).toEqual([]);
  });

  it('exports a file mosquitto itself accepts for authentication, SCRAM lines and all', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const pw = join(dir, 'pw');
    const carol = await createUserRecord('carol', 'pa55', { passwordIterations: 1000 });
    const dave = await createUserRecord('dave', 'x', { authMethods: ['SCRAM-SHA-256'] });
    writeFileSync(pw, formatPasswordFile([carol, dave]), { mode: 0o644 });
    const port = await freePort();
    const mosquitto = await startMosquitto({ port, listeners: [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${pw}`] });
    try {
      const ok = await mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0, username: 'carol', password: 'pa55' });
      await ok.endAsync();
      await expect(mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0, username: 'carol', password: 'nope' })).rejects.toThrow();
    } finally {
      await mosquitto.stop();
    }
  });

  it('rejects plain-text lines with PASSWORD_FILE_INVALID and says how to fix them', () => {
    expect(() => parsePasswordFile('# comment\n\nalice:plain\n')).toThrow(/mosquitto_passwd -U/);
    expect(() => parsePasswordFile('nocolon\n')).toThrowError(expect.objectContaining({ code: 'VALIDATION_ERROR', details: expect.objectContaining({ reason: 'PASSWORD_FILE_INVALID' }) }));
  });
});
