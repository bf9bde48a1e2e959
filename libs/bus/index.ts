export * from './port.js';
export { DEAD_LETTER_HEADERS } from './dead-letter.js';
export { InprocBus } from './inproc.js';
export { KafkaBus, type KafkaBusConfig, type KafkaConsumerTuning, type TopicLayout } from './kafka.js';
