/**
 * ECharts, tree-shaken: only the charts and components the dashboard draws are registered.
 * The canvas renderer; no SVG, no inline script (the server's CSP allows neither eval nor inline).
 */
import { BarChart, GraphChart, MapChart, PieChart } from 'echarts/charts';
import { GeoComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { onBeforeUnmount, onMounted, shallowRef, type Ref } from 'vue';

echarts.use([BarChart, GraphChart, MapChart, PieChart, GridComponent, LegendComponent, TooltipComponent, TitleComponent, VisualMapComponent, GeoComponent, CanvasRenderer]);

export { echarts };
export type ChartOption = Parameters<echarts.ECharts['setOption']>[0];

/**
 * A chart bound to an element ref: created when it is first drawn into an element that exists (the
 * element may appear after mount, under a v-if), resized with the window and for printing, disposed
 * with the component.
 */
export const useChart = (element: Ref<HTMLElement | null>, theme?: string) => {
  const chart = shallowRef<echarts.ECharts | null>(null);
  const resize = () => chart.value?.resize();
  const ensure = (): echarts.ECharts | null => {
    const target = element.value;
    if (target === null) return null;
    if (chart.value !== null && chart.value.getDom() === target) return chart.value;
    chart.value?.dispose();
    chart.value = echarts.init(target, theme, { renderer: 'canvas' });
    return chart.value;
  };
  // Printing (and print emulation) changes the charts' boxes to paper sizes: measure them again.
  const printing = window.matchMedia('print');
  onMounted(() => {
    printing.addEventListener('change', resize);
    window.addEventListener('resize', resize);
    window.addEventListener('beforeprint', resize);
    window.addEventListener('afterprint', resize);
  });
  onBeforeUnmount(() => {
    printing.removeEventListener('change', resize);
    window.removeEventListener('resize', resize);
    window.removeEventListener('beforeprint', resize);
    window.removeEventListener('afterprint', resize);
    chart.value?.dispose();
    chart.value = null;
  });
  const draw = (option: ChartOption) => ensure()?.setOption(option, { notMerge: true });
  return { chart, draw, resize };
};

/** Tooltips are HTML: text from the API is escaped before it goes into one. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);
