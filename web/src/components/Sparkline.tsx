// A 7-day sparkline (SVG) from hourly closes.
export function Sparkline({ values, width = 112, height = 32 }: { values: number[]; width?: number; height?: number }) {
  if (values.length < 2) return <span class="text-xs text-slate-400">no history</span>;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const pts = values.map((v, i) => `${((i / (values.length - 1)) * width).toFixed(1)},${(height - 2 - ((v - lo) / span) * (height - 4)).toFixed(1)}`).join(' ');
  const up = values[values.length - 1] >= values[0];
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`7-day trend ${up ? 'up' : 'down'}`} class={up ? 'text-emerald-500' : 'text-rose-500'}>
      <polyline points={pts} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
    </svg>
  );
}
