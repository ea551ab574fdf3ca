import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureLines } from './capture';
import { checkCapture, checkInRanges } from './capture-check';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-capture-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const header = JSON.stringify({ topiaryCapture: 1, startedAt: 1_767_225_600_000 });
const message = (t: number, topic: string, payload: string): string => JSON.stringify({ t, topic, payloadEncoding: 'utf8', payload, qos: 0, retain: false });

/** What the line-by-line reader makes of a file: the reference the ranged check must agree with. */
async function lineByLine(file: string): Promise<{ messages: number; lastT: number }> {
  let messages = 0;
  let lastT = 0;
  for await (const chunk of readCaptureLines(file)) {
    messages += chunk.length;
    lastT = chunk[chunk.length - 1]?.t ?? lastT;
  }
  return { messages, lastT };
}

describe('checkCapture', () => {
  it('counts what the line reader counts when checking in ranges: CRLF, blank lines, multi-byte characters and a line longer than a read', async () => {
    const file = path.join(dir, 'mixed.ndjson');
    const lines = [header];
    for (let i = 0; i < 3000; i++) lines.push(i % 7 === 0 ? '' : message(i, `a/${i % 13}`, i % 5 === 0 ? 'é€😀'.repeat(i % 40) : i === 1500 ? 'z'.repeat(300_000) : `${i}`));
    await writeFile(file, `${lines.slice(0, 1000).join('\r\n')}\r\n${lines.slice(1000).join('\n')}`);
    // Ranges of a few kB, so range edges fall inside lines and characters.
    const ranged = await checkInRanges(file, 1);
    expect(ranged).toEqual(await lineByLine(file));
    expect(await checkCapture(file, { parallelBytes: 1 })).toEqual(ranged);
    expect(ranged?.messages).toBe(3000 - Math.ceil(3000 / 7));
  });

  it('names a malformed line in any range, and skips it when asked', async () => {
    const file = path.join(dir, 'bad.ndjson');
    const lines = [header];
    for (let i = 0; i < 2000; i++) lines.push(i === 1700 ? `{"t":${i},"topic":"a","payloadEncoding":"base64","payload":"###"}` : message(i, 'a', 'x'.repeat(50)));
    await writeFile(file, `${lines.join('\n')}\n`);
    expect(await checkInRanges(file, 1)).toBeNull();
    await expect(checkCapture(file, { parallelBytes: 1 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { line: 1702 } });
    const skipped: number[] = [];
    expect(await checkCapture(file, { parallelBytes: 1, skipMalformed: true, onSkip: (e) => skipped.push(e.line) })).toEqual({ messages: 1999, lastT: 1999 });
    expect(skipped).toEqual([1702]);
  });

  it('names a "t" that goes backwards where two ranges meet', async () => {
    const file = path.join(dir, 'backwards.ndjson');
    const lines = [header];
    for (let i = 0; i < 2000; i++) lines.push(message(i < 1000 ? 5000 + i : i, 'a', 'x'.repeat(50)));
    await writeFile(file, `${lines.join('\n')}\n`);
    expect(await checkInRanges(file, 1)).toBeNull();
    await expect(checkCapture(file, { parallelBytes: 1 })).rejects.toMatchObject({ details: { line: 1002 }, message: expect.stringContaining('goes backwards') });
  });
});
