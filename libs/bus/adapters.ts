/** The Bus adapters, for the code that opens a bus (libs/linkage's composition, the scenario harness, apps, tests). */
export { InprocBus } from './inproc.js';
export { KafkaBus, type KafkaBusConfig, type KafkaConsumerTuning, type TopicLayout } from './kafka.js';
