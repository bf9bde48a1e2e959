/**
 * The bus as every context sees it: the port and the dead-letter headers. The adapters are in
 * adapters.ts (#bus/adapters), for those that open a bus.
 */
export * from './port.js';
export { DEAD_LETTER_HEADERS } from './dead-letter.js';
