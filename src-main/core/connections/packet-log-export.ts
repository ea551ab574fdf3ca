import type { ExportedText } from '../../../shared/ipc/common';

/** Names an export after the connection and the time, safe for any file system. */
export function packetLogFileName(connectionName: string, now: Date): string {
  const safe = connectionName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'connection';
  const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  return `topiary-packets-${safe}-${stamp}.jsonl`;
}

export function packetLogExport(connectionName: string, jsonLines: string, now: Date): ExportedText {
  return { fileName: packetLogFileName(connectionName, now), mediaType: 'application/x-ndjson', text: jsonLines };
}
