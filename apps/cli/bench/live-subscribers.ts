// The subscribers of live_fanout, on a thread of their own as dashboards would be on other machines
// (in the server's thread they would slow the very commands being timed): each opens the live
// report over its own connection, reads every byte, and counts the events it is sent.
import { request } from 'node:http';
import type { ClientRequest } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface LiveSubscribersData {
  readonly port: number;
  readonly path: string;
  /** One bearer token per subscriber. */
  readonly tokens: readonly string[];
}

/** `count`: report what was received so far; `close`: disconnect every subscriber. */
export type LiveSubscribersCommand = 'count' | 'close';

export type LiveSubscribersMessage =
  | { readonly type: 'ready'; readonly subscribers: number }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'counted'; readonly events: number; readonly least: number; readonly most: number; readonly heartbeats: number; readonly lastViews: readonly unknown[] }
  | { readonly type: 'closed' };

interface Subscriber {
  events: number;
  heartbeats: number;
  /** The data of the last event, parsed only when asked for. */
  lastData: string | undefined;
  pending: string;
  request: ClientRequest;
}

const data = workerData as LiveSubscribersData;
const port = parentPort!;
const subscribers: Subscriber[] = [];
let waitingForFirst = data.tokens.length;
let closing = false;

const fail = (error: unknown) => port.postMessage({ type: 'failed', error: String(error) } satisfies LiveSubscribersMessage);

const consume = (subscriber: Subscriber, chunk: string) => {
  subscriber.pending += chunk;
  let end: number;
  while ((end = subscriber.pending.indexOf('\n\n')) >= 0) {
    const frame = subscriber.pending.slice(0, end);
    subscriber.pending = subscriber.pending.slice(end + 2);
    // Nest starts a stream with an empty line, so a frame's first line may be empty.
    const data = frame.indexOf('\ndata: ');
    if (data >= 0) {
      subscriber.events++;
      subscriber.lastData = frame.slice(data + 7);
      if (subscriber.events === 1 && --waitingForFirst === 0) port.postMessage({ type: 'ready', subscribers: subscribers.length } satisfies LiveSubscribersMessage);
    } else if (frame.includes(': keep-alive')) subscriber.heartbeats++;
  }
};

for (const token of data.tokens) {
  const req = request({ host: '127.0.0.1', port: data.port, path: data.path, agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
    if (res.statusCode !== 200) {
      fail(`a subscriber was answered ${res.statusCode}`);
      res.resume();
      return;
    }
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => consume(subscriber, chunk));
  });
  const subscriber: Subscriber = { events: 0, heartbeats: 0, lastData: undefined, pending: '', request: req };
  subscribers.push(subscriber);
  req.on('error', (error) => {
    if (!closing) fail(error);
  });
  req.end();
}

port.on('message', (command: LiveSubscribersCommand) => {
  if (command === 'count') {
    const counts = subscribers.map((subscriber) => subscriber.events);
    port.postMessage({
      type: 'counted',
      events: counts.reduce((sum, count) => sum + count, 0),
      least: Math.min(...counts),
      most: Math.max(...counts),
      heartbeats: subscribers.reduce((sum, subscriber) => sum + subscriber.heartbeats, 0),
      lastViews: subscribers.map((subscriber) => (subscriber.lastData === undefined ? undefined : (JSON.parse(subscriber.lastData) as unknown))),
    } satisfies LiveSubscribersMessage);
    return;
  }
  closing = true;
  for (const subscriber of subscribers) subscriber.request.destroy();
  port.postMessage({ type: 'closed' } satisfies LiveSubscribersMessage);
  port.close();
});
