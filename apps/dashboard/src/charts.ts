/**
 * ECharts, tree-shaken: only the charts and components the dashboard draws are registered.
 * The canvas renderer; no SVG, no inline script (the server's CSP allows neither eval nor inline).
 */
import { BarChart, GraphChart, MapChart } from 'echarts/charts';
import { GeoComponent, GridComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { onBeforeUnmount, onMounted, shallowRef, type Ref } from 'vue';

echarts.use([BarChart, GraphChart, MapChart, GridComponent, TooltipComponent, TitleComponent, VisualMapComponent, GeoComponent, CanvasRenderer]);

export { echarts };
export type ChartOption = Parameters<echarts.ECharts['setOption']>[0];

/** A chart bound to an element ref: created on mount, resized with the window, disposed on unmount. */
export const useChart = (element: Ref<HTMLElement | null>, theme?: string) => {
  const chart = shallowRef<echarts.ECharts | null>(null);
  const resize = () => chart.value?.resize();
  onMounted(() => {
    if (element.value !== null) chart.value = echarts.init(element.value, theme, { renderer: 'canvas' });
    window.addEventListener('resize', resize);
    window.addEventListener('beforeprint', resize);
    window.addEventListener('afterprint', resize);
  });
  onBeforeUnmount(() => {
    window.removeEventListener('resize', resize);
    window.removeEventListener('beforeprint', resize);
    window.removeEventListener('afterprint', resize);
    chart.value?.dispose();
    chart.value = null;
  });
  const draw = (option: ChartOption) => chart.value?.setOption(option, { notMerge: true });
  return { chart, draw, resize };
};
