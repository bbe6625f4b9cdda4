// Candlesticks with volume (TradingView lightweight-charts). The parent owns the data: it
// passes the candles, a live `forming` candle to update in place, and `onNeedOlder` which the
// chart calls when the user scrolls back to the oldest loaded candle.
import { CandlestickSeries, ColorType, createChart, HistogramSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef } from 'preact/hooks';
import { decimalsFor } from '../lib/format';
import { chartColors, useTheme } from '../lib/theme';

export interface Bar { time: number; open: number; high: number; low: number; close: number; volume: number }

const toSec = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

/** Remount (key) for another market or resolution: the chart fits the new data afresh. */
export function CandleChart({ bars, live, onNeedOlder, complete = false, height = 420 }: { bars: Bar[]; live: Bar | null; onNeedOlder?: () => void; complete?: boolean; height?: number }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const candles = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const vols = useRef<ISeriesApi<'Histogram'> | null>(null);
  const older = useRef(onNeedOlder);
  older.current = onNeedOlder;
  const count = useRef(0);
  const theme = useTheme();

  useEffect(() => {
    const c = chartColors(theme);
    const ch = createChart(el.current!, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: c.bg }, textColor: c.text, fontFamily: 'ui-sans-serif, system-ui, sans-serif', attributionLogo: false },
      grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
      rightPriceScale: { borderColor: c.border },
      timeScale: { borderColor: c.border, timeVisible: true, secondsVisible: false },
      crosshair: { mode: 0 },
    });
    const cs = ch.addSeries(CandlestickSeries, { upColor: c.up, downColor: c.down, borderVisible: false, wickUpColor: c.up, wickDownColor: c.down });
    const vs = ch.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    ch.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    cs.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
    ch.timeScale().subscribeVisibleLogicalRangeChange((r) => {
      if (r && r.from < 5 && count.current > 0) older.current?.();
    });
    chart.current = ch;
    candles.current = cs;
    vols.current = vs;
    count.current = 0;
    return () => {
      ch.remove();
      chart.current = null;
    };
  }, [theme]);

  // Full data: set when it changes (first load, older candles prepended, resolution switch).
  useEffect(() => {
    const cs = candles.current;
    const vs = vols.current;
    if (!cs || !vs) return;
    const c = chartColors(theme);
    const last = bars[bars.length - 1]?.close ?? 1;
    const precision = decimalsFor(last);
    cs.applyOptions({ priceFormat: { type: 'price', precision, minMove: 10 ** -precision } });
    cs.setData(bars.map((b) => ({ time: toSec(b.time), open: b.open, high: b.high, low: b.low, close: b.close })));
    vs.setData(bars.map((b) => ({ time: toSec(b.time), value: b.volume, color: b.close >= b.open ? `${c.up}66` : `${c.down}66` })));
    const first = count.current === 0;
    count.current = bars.length;
    if (first && bars.length) chart.current?.timeScale().setVisibleLogicalRange({ from: bars.length - 120, to: bars.length + 3 });
    // Still at the left edge after older candles arrived (the chart is not full yet): ask for more.
    const r = chart.current?.timeScale().getVisibleLogicalRange();
    if (!first && r && r.from < 5 && !complete) setTimeout(() => older.current?.(), 0);
    // The whole history is shorter than the default view: show all of it without blank space.
    if (complete && bars.length < 120) chart.current?.timeScale().fitContent();
  }, [bars, theme, complete]);

  // The forming candle moves in place.
  useEffect(() => {
    if (!live || !candles.current || !vols.current || count.current === 0) return;
    const c = chartColors(theme);
    try {
      candles.current.update({ time: toSec(live.time), open: live.open, high: live.high, low: live.low, close: live.close });
      vols.current.update({ time: toSec(live.time), value: live.volume, color: live.close >= live.open ? `${c.up}66` : `${c.down}66` });
    } catch {
      // An update older than the last bar (a late event after a reload): the next setData has it.
    }
  }, [live, theme]);

  return <div ref={el} style={{ height: `${height}px` }} class="w-full" data-testid="candle-chart" />;
}
