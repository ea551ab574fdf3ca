/**
 * Byte storage for many small payloads without one ArrayBuffer each.
 *
 * A 100-byte Uint8Array costs about 500 bytes of process memory in Node 20; a million
 * last-values would cost half a gigabyte in headers alone. The arena packs payloads into
 * 64 KiB–1 MiB slabs by power-of-two size class and recycles freed slots, so a payload
 * costs its rounded-up size. Payloads above the largest class get their own array.
 *
 * Payloads are copied in, which also stops us pinning the socket chunk an incoming
 * Buffer may be a view of.
 */

/** A stored payload's address; only meaningful to the arena that returned it. */
export type PayloadHandle = number;

/** The handle of a zero-length payload (nothing is stored). */
export const EMPTY_PAYLOAD: PayloadHandle = -1;

const MIN_SHIFT = 4; // 16 bytes
const MAX_SHIFT = 14; // 16 KiB
const SLOTS_PER_SLAB_MAX = 4096;
const MIN_SLAB_BYTES = 64 * 1024;
const MAX_SLAB_BYTES = 1024 * 1024;

interface Slab {
  readonly bytes: Uint8Array;
  readonly classIndex: number;
}

const EMPTY = new Uint8Array(0);

/** Packs payload bytes into shared slabs with per-size-class free lists. */
export class PayloadArena {
  private readonly slabs: Slab[] = [];
  private readonly freeSlots: number[][] = [];
  private readonly big = new Map<number, Uint8Array>();
  private nextBig = 2;
  private slabBytes = 0;
  private liveBytes = 0;

  constructor() {
    for (let c = MIN_SHIFT; c <= MAX_SHIFT; c++) this.freeSlots.push([]);
  }

  /** Copies `bytes` in and returns where they live. */
  store(bytes: Uint8Array): PayloadHandle {
    const length = bytes.length;
    if (length === 0) return EMPTY_PAYLOAD;
    if (length > 1 << MAX_SHIFT) {
      const handle = -this.nextBig++;
      this.big.set(handle, bytes.slice());
      this.liveBytes += length;
      return handle;
    }
    const classIndex = sizeClassOf(length);
    let free = this.freeSlots[classIndex]!;
    if (free.length === 0) this.addSlab(classIndex);
    free = this.freeSlots[classIndex]!;
    const handle = free.pop()!;
    const slab = this.slabs[(handle / SLOTS_PER_SLAB_MAX) | 0]!;
    slab.bytes.set(bytes, (handle % SLOTS_PER_SLAB_MAX) << (classIndex + MIN_SHIFT));
    this.liveBytes += slotSize(classIndex);
    return handle;
  }

  /** A view of stored bytes; valid only until the handle is freed. Copy it to keep it. */
  view(handle: PayloadHandle, length: number): Uint8Array {
    if (handle === EMPTY_PAYLOAD) return EMPTY;
    if (handle < 0) return this.big.get(handle) ?? EMPTY;
    const slab = this.slabs[(handle / SLOTS_PER_SLAB_MAX) | 0]!;
    const offset = (handle % SLOTS_PER_SLAB_MAX) << (slab.classIndex + MIN_SHIFT);
    return slab.bytes.subarray(offset, offset + length);
  }

  /** A copy of stored bytes that stays valid. */
  copy(handle: PayloadHandle, length: number): Uint8Array {
    return this.view(handle, length).slice();
  }

  /** Bytes a handle occupies (its slot size), for budget accounting. */
  footprint(handle: PayloadHandle, length: number): number {
    if (handle === EMPTY_PAYLOAD) return 0;
    if (handle < 0) return length;
    return slotSize(this.slabs[(handle / SLOTS_PER_SLAB_MAX) | 0]!.classIndex);
  }

  /** Gives a slot back for reuse. */
  free(handle: PayloadHandle): void {
    if (handle === EMPTY_PAYLOAD) return;
    if (handle < 0) {
      const bytes = this.big.get(handle);
      if (bytes) {
        this.liveBytes -= bytes.length;
        this.big.delete(handle);
      }
      return;
    }
    const slab = this.slabs[(handle / SLOTS_PER_SLAB_MAX) | 0]!;
    this.freeSlots[slab.classIndex]!.push(handle);
    this.liveBytes -= slotSize(slab.classIndex);
  }

  /** Memory held: slabs (used or not) plus oversized payloads, and what is in use. */
  stats(): { readonly reservedBytes: number; readonly liveBytes: number } {
    let bigBytes = 0;
    for (const b of this.big.values()) bigBytes += b.length;
    return { reservedBytes: this.slabBytes + bigBytes, liveBytes: this.liveBytes };
  }

  private addSlab(classIndex: number): void {
    const size = slotSize(classIndex);
    const slabSize = Math.min(MAX_SLAB_BYTES, Math.max(MIN_SLAB_BYTES, size * 64));
    const slots = Math.min(SLOTS_PER_SLAB_MAX, slabSize / size);
    const slabId = this.slabs.length;
    this.slabs.push({ bytes: new Uint8Array(slots * size), classIndex });
    this.slabBytes += slots * size;
    const free = this.freeSlots[classIndex]!;
    // Highest first so pop() hands out slots in address order.
    for (let i = slots - 1; i >= 0; i--) free.push(slabId * SLOTS_PER_SLAB_MAX + i);
  }
}

function sizeClassOf(length: number): number {
  const shift = Math.max(MIN_SHIFT, 32 - Math.clz32(length - 1));
  return shift - MIN_SHIFT;
}

function slotSize(classIndex: number): number {
  return 1 << (classIndex + MIN_SHIFT);
}
