import type { SeriesPoint } from '../../../../shared/ipc/explorer';

const PAD_LEFT = 48;
const PAD = 12;

/** Draws a line of points with min/max labels on a canvas sized for the device's pixel ratio. */
export function drawSeries(canvas: HTMLCanvasElement, points: readonly SeriesPoint[]): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px ui-monospace, monospace';
  ctx.fillStyle = '#8a94a6';
  if (points.length === 0) {
    ctx.fillText('No numbers in this topic’s history yet.', PAD_LEFT, height / 2);
    return;
  }
  let minV = Infinity;
  let maxV = -Infinity;
  for (const p of points) {
    if (p.v < minV) minV = p.v;
    if (p.v > maxV) maxV = p.v;
  }
  if (minV === maxV) {
    minV -= 1;
    maxV += 1;
  }
  const t0 = points[0]!.t;
  const t1 = Math.max(points[points.length - 1]!.t, t0 + 1);
  const x = (t: number): number => PAD_LEFT + ((t - t0) / (t1 - t0)) * (width - PAD_LEFT - PAD);
  const y = (v: number): number => PAD + (1 - (v - minV) / (maxV - minV)) * (height - 2 * PAD);
  ctx.strokeStyle = '#2b313b';
  ctx.beginPath();
  ctx.moveTo(PAD_LEFT, PAD);
  ctx.lineTo(PAD_LEFT, height - PAD);
  ctx.lineTo(width - PAD, height - PAD);
  ctx.stroke();
  ctx.fillText(String(+maxV.toPrecision(6)), 2, PAD + 4);
  ctx.fillText(String(+minV.toPrecision(6)), 2, height - PAD);
  ctx.strokeStyle = '#5fb386';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  points.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p.t), y(p.v)) : ctx.lineTo(x(p.t), y(p.v))));
  ctx.stroke();
  if (points.length < 200) {
    ctx.fillStyle = '#5fb386';
    for (const p of points) ctx.fillRect(x(p.t) - 1.5, y(p.v) - 1.5, 3, 3);
  }
}
