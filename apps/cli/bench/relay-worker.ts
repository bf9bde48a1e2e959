// The county side of relay_throughput, on a thread of its own as the county's process would be:
// opens the county store and publishes what is new in it through the relay each time it is told to.
import { parentPort, workerData } from 'node:worker_threads';
import kafkajs from 'kafkajs';
import { KafkaBus } from '#bus/adapters';
import { Relay, SqliteCheckpoints, loadReferenceRegistry, openChainedSqliteStore } from '#linkage';

export interface RelayWorkerData {
  readonly storeFile: string;
  readonly checkpointsFile: string;
  readonly brokers: readonly string[];
  readonly namespace: string;
}

/** `drain`: publish everything up to the store head; `close`: let go of the store and the bus. */
export type RelayWorkerCommand = 'drain' | 'close';

/** Messages the worker posts: `ready` once connected, then `drained` after each drain with what the relay published. */
export type RelayWorkerMessage = { readonly type: 'ready' } | { readonly type: 'drained'; readonly published: number; readonly millis: number };

const data = workerData as RelayWorkerData;
const port = parentPort!;
const store = openChainedSqliteStore(data.storeFile);
const checkpoints = new SqliteCheckpoints(data.checkpointsFile);
const bus = new KafkaBus({ brokers: data.brokers, clientId: 'bench-relay-county', namespace: data.namespace, logLevel: kafkajs.logLevel.NOTHING });
const relay = new Relay({ level: 'county', store, jurisdictions: loadReferenceRegistry(), bus, checkpoints });
port.postMessage({ type: 'ready' } satisfies RelayWorkerMessage);
port.on('message', async (command: RelayWorkerCommand) => {
  if (command === 'drain') {
    const started = performance.now();
    const published = await relay.drain();
    port.postMessage({ type: 'drained', published, millis: performance.now() - started } satisfies RelayWorkerMessage);
    return;
  }
  await bus.close();
  await store.close();
  checkpoints.close();
  port.close();
});
