// A line chart of [time ms, value] points, with optional markers (alert preview firings).
import { ColorType, createChart, createSeriesMarkers, LineSeries, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef } from 'preact/hooks';
import { decimalsFor } from '../lib/format';
import { chartColors, useTheme } from '../lib/theme';

export function LineChart({ points, markers = [], line, height = 240, testid }: { points: Array<[number, number]>; markers?: Array<{ time: number; text: string }>; line?: { value: number; title: string }; height?: number; testid?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  useEffect(() => {
    const c = chartColors(theme);
    const ch = createChart(el.current!, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: c.bg }, textColor: c.text, attributionLogo: false },
      grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
      rightPriceScale: { borderColor: c.border },
      timeScale: { borderColor: c.border, timeVisible: true },
    });
    const s = ch.addSeries(LineSeries, { color: c.line, lineWidth: 2 });
    const dedup = new Map<number, number>();
    for (const [t, v] of points) dedup.set(Math.floor(t / 1000), v);
    const data = [...dedup].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ time: t as UTCTimestamp, value: v }));
    const precision = decimalsFor(data[data.length - 1]?.value ?? 1);
    s.applyOptions({ priceFormat: { type: 'price', precision, minMove: 10 ** -precision } });
    s.setData(data);
    if (line) s.createPriceLine({ price: line.value, color: c.down, lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: line.title });
    if (markers.length) {
      createSeriesMarkers(s, markers.map((m) => ({ time: Math.floor(m.time / 1000) as UTCTimestamp, position: 'aboveBar' as const, color: c.down, shape: 'arrowDown' as const, text: m.text })).sort((a, b) => a.time - b.time));
    }
    ch.timeScale().fitContent();
    return () => ch.remove();
  }, [points, markers, line?.value, line?.title, theme]);
  return <div ref={el} style={{ height: `${height}px` }} class="w-full" data-testid={testid} />;
}
