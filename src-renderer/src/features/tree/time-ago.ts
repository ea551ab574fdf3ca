/** "3 s", "5 min", "2 h" since a moment; '' for never. */
export function timeAgo(at: number, now: number): string {
  if (at <= 0) return '';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}
