import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { type EChartsCoreOption, type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';

// Only the pieces the analytics pages draw (ECharts' modular build): this module is imported by their lazy
// chunks alone, so the first screen never downloads it. The canvas renderer, because the SVG renderer and
// HTML tooltips write inline style attributes, which the dashboard's CSP (style-src 'self') refuses.
use([LineChart, BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

/** The page's theme colours (web/styles.css), read from its CSS variables. */
export interface ChartColours {
  accent: string;
  fg: string;
  muted: string;
  border: string;
  card: string;
}

const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)');

function subscribeToScheme(onChange: () => void): () => void {
  const query = darkQuery();
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

/** The theme colours, read again when the system switches between light and dark. */
export function useChartColours(): ChartColours {
  const dark = useSyncExternalStore(subscribeToScheme, () => darkQuery().matches);
  return useMemo(() => {
    void dark;
    const style = getComputedStyle(document.documentElement);
    const read = (name: string) => style.getPropertyValue(name).trim();
    return {
      accent: read('--accent'),
      fg: read('--fg'),
      muted: read('--muted'),
      border: read('--border'),
      card: read('--card'),
    };
  }, [dark]);
}

/**
 * One chart. A canvas says nothing to a screen reader: `label` is its text alternative (role img), and a
 * page gives the figures as a table as well where a summary is not enough.
 */
export function Chart({
  option,
  label,
  className,
  height,
}: {
  option: EChartsCoreOption;
  label: string;
  className: string;
  height: number;
}) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  useEffect(() => {
    if (!element.current) return;
    const instance = init(element.current, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const resize = new ResizeObserver(() => instance.resize());
    resize.observe(element.current);
    return () => {
      resize.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={element} role="img" aria-label={label} className={className} style={{ height }} />;
}
