// The city level as its own service (distributed deployment): LINKAGE_STORE, LINKAGE_BUS and
// CITY_PORT or PORT choose its store, bus and port.
import { bootstrap } from '../linkage/bootstrap.js';

await bootstrap('city');
