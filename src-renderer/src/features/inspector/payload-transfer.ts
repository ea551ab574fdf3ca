/** A file name for a topic's saved payload. */
export function fileNameFor(topic: string): string {
  const safe = topic.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
  return `${safe || 'payload'}.bin`;
}
