// The embedded default: every level in one process, SQLite stores, in-process bus.
import { bootstrap } from './bootstrap.js';

await bootstrap();
