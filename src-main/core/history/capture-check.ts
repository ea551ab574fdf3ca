import { open } from 'node:fs/promises';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { readCaptureLines, type CaptureError } from './capture';

/**
 * The check pass of a replay: every line of a capture checked before anything is sent. It is the one part of
 * a fast replay with the broker idle (a million lines parse in about a CPU-second), so a large capture is
 * checked in byte ranges by worker threads at once. A range that finds anything wrong, a worker that fails,
 * or `t` going backwards across two ranges: the file is checked again line by line (readCaptureLines), which
 * names the line or skips it as asked. So the fast path only has to be as strict as parseLine, never kinder.
 */

export interface CaptureCheck {
  /** Message lines (the header and blank lines not counted; skipped ones neither). */
  readonly messages: number;
  /** The last message's `t`. */
  readonly lastT: number;
}

export interface CheckCaptureOptions {
  readonly skipMalformed?: boolean;
  readonly onSkip?: (error: CaptureError) => void;
  /** Files from this size are checked in ranges by worker threads (default 8 MB; below it a worker's start costs more than it saves). */
  readonly parallelBytes?: number;
}

const PARALLEL_BYTES = 8 * 1024 * 1024;

/** Checks a capture; throws (or skips, with skipMalformed) as readCaptureLines does. */
export async function checkCapture(file: string, options: CheckCaptureOptions = {}): Promise<CaptureCheck> {
  const fast = await checkInRanges(file, options.parallelBytes ?? PARALLEL_BYTES).catch(() => null);
  if (fast !== null) return fast;
  let messages = 0;
  let lastT = 0;
  for await (const chunk of readCaptureLines(file, options)) {
    messages += chunk.length;
    lastT = chunk[chunk.length - 1]?.t ?? lastT;
  }
  return { messages, lastT };
}

/** What one range's worker answers: null when a line in it is not a well-formed message. */
type RangeResult = { readonly messages: number; readonly firstT: number; readonly lastT: number } | null;

/** The ranged check alone: null when anything needs the line-by-line reader (exported for its tests). */
export async function checkInRanges(file: string, parallelBytes: number): Promise<CaptureCheck | null> {
  const handle = await open(file, 'r');
  let size: number;
  let bodyStart: number;
  try {
    size = (await handle.stat()).size;
    if (size < parallelBytes) return null;
    // The header is left to the line-by-line reader's rules: only a plain one (ending within 64 kB) takes the fast path.
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const newline = head.subarray(0, bytesRead).indexOf(10);
    if (newline < 0 || !plainHeader(head.toString('utf8', 0, newline))) return null;
    bodyStart = newline + 1;
  } finally {
    await handle.close();
  }
  const workers = Math.max(2, Math.min(4, os.availableParallelism()));
  const step = Math.ceil((size - bodyStart) / workers);
  const results = await Promise.all(Array.from({ length: workers }, (_, i) => checkRange(file, bodyStart + i * step, Math.min(size, bodyStart + (i + 1) * step))));
  let messages = 0;
  let lastT = 0;
  for (const r of results) {
    if (r === null) return null;
    if (r.messages === 0) continue;
    if (r.firstT < lastT) return null;
    messages += r.messages;
    lastT = r.lastT;
  }
  return { messages, lastT };
}

function plainHeader(text: string): boolean {
  try {
    const h = JSON.parse(text) as { topiaryCapture?: unknown; startedAt?: unknown } | null;
    return typeof h === 'object' && h !== null && typeof h.topiaryCapture === 'number' && h.topiaryCapture <= 1 && typeof h.startedAt === 'number' && Number.isFinite(h.startedAt);
  } catch {
    return false;
  }
}

function checkRange(file: string, start: number, end: number): Promise<RangeResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(`(${rangeWorker.toString()})(require('node:worker_threads'), require('node:fs'));`, { eval: true, workerData: { file, start, end } });
    worker.once('message', (result: RangeResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The capture check stopped (exit ${code}).`)));
  });
}

/**
 * A worker's whole program, passed as source (so it runs the same from TypeScript under test, a bundle or the app):
 * the lines that start in [start, end), each checked as parseLine checks it. It must reference nothing outside itself.
 */
function rangeWorker(threads: typeof import('node:worker_threads'), fs: typeof import('node:fs')): void {
  const { file, start, end } = threads.workerData as { file: string; start: number; end: number };
  const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
  const fd = fs.openSync(file, 'r');
  // 64 kB reads keep each decoded string below V8's large-object size, as readCaptureLines does (larger ones cost twice the CPU).
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let messages = 0;
  let firstT = 0;
  let lastT = 0;
  const check = (text: string): boolean => {
    const line = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) return true;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return false;
    }
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
    const t = m.t;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || (messages > 0 && t < lastT)) return false;
    if (typeof m.topic !== 'string' || m.topic.length === 0 || m.topic.includes('+') || m.topic.includes('#')) return false;
    if (m.payloadEncoding !== 'utf8' && m.payloadEncoding !== 'base64') return false;
    if (typeof m.payload !== 'string') return false;
    if (m.payloadEncoding === 'base64' && (m.payload.length % 4 !== 0 || !base64.test(m.payload))) return false;
    const qos = m.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) return false;
    if (m.retain !== undefined && typeof m.retain !== 'boolean') return false;
    if (m.properties !== undefined && (typeof m.properties !== 'object' || m.properties === null || Array.isArray(m.properties))) return false;
    if (messages === 0) firstT = t;
    lastT = t;
    messages++;
    return true;
  };
  try {
    const size = fs.fstatSync(fd).size;
    // A line belongs to the range its first byte is in: where a line starts at or after `at`.
    const lineStartFrom = (at: number): number => {
      for (let p = at - 1; p < size; p += buffer.length) {
        const read = fs.readSync(fd, buffer, 0, buffer.length, p);
        const newline = buffer.subarray(0, read).indexOf(10);
        if (newline >= 0) return p + newline + 1;
      }
      return size;
    };
    const from = lineStartFrom(start);
    const to = end >= size ? size : lineStartFrom(end);
    let position = from;
    let pending: Buffer = Buffer.alloc(0);
    while (position < to) {
      const read = fs.readSync(fd, buffer, 0, Math.min(buffer.length, to - position), position);
      if (read === 0) break;
      position += read;
      const data = pending.length > 0 ? Buffer.concat([pending, buffer.subarray(0, read)]) : buffer.subarray(0, read);
      // Whole lines only, decoded at once; the rest waits for the next read (a character may be cut in two).
      const cut = position < to ? data.lastIndexOf(10) + 1 : data.length;
      const text = data.toString('utf8', 0, cut);
      pending = Buffer.from(data.subarray(cut));
      let at = 0;
      while (at < text.length) {
        const newline = text.indexOf('\n', at);
        const stop = newline < 0 ? text.length : newline;
        if (!check(text.slice(at, stop))) {
          threads.parentPort?.postMessage(null);
          return;
        }
        at = stop + 1;
      }
    }
    threads.parentPort?.postMessage({ messages, firstT, lastT });
  } finally {
    fs.closeSync(fd);
  }
}
