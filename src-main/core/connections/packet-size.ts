import { generate, type Packet } from 'mqtt-packet';

/** Bytes the remaining-length field takes for a given remaining length (MQTT's variable byte integer). */
function varintLength(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/**
 * Bytes a packet takes on the wire, fixed header included: what a broker compares with its Maximum Packet Size.
 * A publish is measured without copying its payload (the packet is encoded with an empty one, then the payload's
 * length is added back), so checking a 100 MB message costs no more than checking a small one.
 */
export function packetSize(packet: Packet, protocolVersion: 3 | 4 | 5): number {
  if (packet.cmd !== 'publish') return generate(packet, { protocolVersion }).length;
  const payload = packet.payload;
  const payloadBytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const empty = generate({ ...packet, payload: Buffer.alloc(0), ...(packet.qos > 0 && packet.messageId === undefined ? { messageId: 1 } : {}) }, { protocolVersion });
  // empty.length = 1 + varintLength(rest) + rest, where rest is everything after the fixed header.
  let rest = empty.length - 2;
  for (let width = 1; width <= 4; width++) {
    if (varintLength(empty.length - 1 - width) === width) {
      rest = empty.length - 1 - width;
      break;
    }
  }
  const remaining = rest + payloadBytes;
  return 1 + varintLength(remaining) + remaining;
}
