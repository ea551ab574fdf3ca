import type { PacketLogEntry } from '../../../../shared/ipc/connections';
import { hexCode, reasonName } from '../../../../shared/mqtt/reason-codes';
import { formatBytes, formatTime } from '../../lib/format';

/** Packet types a user filters by, in the order the protocol introduces them. */
export const PACKET_TYPES: readonly string[] = [
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
  'auth',
];

/** Local wall-clock time with milliseconds, "14:03:07.042". */
export function packetTime(time: number): string {
  return formatTime(time);
}

/** "qos1 retain dup"; only the flags the packet carries. */
export function packetFlags(entry: Pick<PacketLogEntry, 'qos' | 'retain' | 'dup'>): string {
  const parts: string[] = [];
  if (entry.qos !== undefined) parts.push(`qos${entry.qos}`);
  if (entry.retain) parts.push('retain');
  if (entry.dup) parts.push('dup');
  return parts.join(' ');
}

/** Reason codes as the spec writes them; SUBACK's 0–2 are granted QoS levels, so they read that way. */
export function packetReasons(entry: Pick<PacketLogEntry, 'type' | 'reasonCode' | 'reasonCodes'>): string {
  const one = (code: number): string => {
    if (entry.type === 'suback' && code <= 2) return `granted qos${code}`;
    if (code === 0) return `${hexCode(0)} Success`;
    const name = reasonName(code);
    return name ? `${hexCode(code)} ${name}` : hexCode(code);
  };
  const codes = entry.reasonCodes ?? (entry.reasonCode !== undefined ? [entry.reasonCode] : []);
  return codes.map(one).join(', ');
}

/** The topic for PUBLISH, the filters for (UN)SUBSCRIBE. */
export function packetSubject(entry: Pick<PacketLogEntry, 'topic' | 'topics'>): string {
  return entry.topic ?? entry.topics?.join(', ') ?? '';
}

/** Properties as compact "key=value" text; objects stay JSON. */
export function packetProperties(properties: PacketLogEntry['properties']): string {
  if (!properties) return '';
  return Object.entries(properties)
    .map(([key, value]) => `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(' ');
}

/** "0 B", "1.5 KB", "2 MB" (lib/format's one way to print sizes). */
export function byteSize(bytes: number | undefined): string {
  return bytes === undefined ? '' : formatBytes(bytes);
}

/** A download name that sorts by time and says what it holds. */
