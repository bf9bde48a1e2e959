import net from 'node:net';
import type { ISocketFactory } from 'kafkajs';

export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

const LOOPBACK = '127.0.0.1';

/** A client connection and its upstream twin. */
interface Link {
  readonly downstream: net.Socket;
  readonly upstream: net.Socket;
}

/**
 * A fault-injecting TCP proxy on 127.0.0.1 in front of one target. Faults: cut every live
 * connection (both ends reset, as a dropped network path looks to a client that keeps writing),
 * delay the bytes in both directions, refuse new connections for a while.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private readonly server: net.Server;
  private delayMs = 0;
  private refusing = false;
  private accepted = 0;
  private boundPort = 0;

  private constructor(readonly target: ProxyTarget) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async start(target: ProxyTarget): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, LOOPBACK, () => resolve());
    });
    proxy.boundPort = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  get host(): string {
    return LOOPBACK;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Connections forwarded since start (refused ones not counted). */
  get acceptedConnections(): number {
    return this.accepted;
  }

  get liveConnections(): number {
    return this.links.size;
  }

  /** Resets every live connection, client and target side; returns how many there were. */
  cutAll(): number {
    const cut = this.links.size;
    for (const link of [...this.links]) this.drop(link);
    return cut;
  }

  /** Holds every chunk this long before passing it on, in both directions, keeping byte order. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** New connections are reset at once until `resume`; live ones carry on. */
  pause(): void {
    this.refusing = true;
  }

  resume(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(downstream: net.Socket): void {
    if (this.refusing) {
      downstream.resetAndDestroy();
      return;
    }
    this.accepted += 1;
    const upstream = net.connect({ host: this.target.host, port: this.target.port });
    const link: Link = { downstream, upstream };
    this.links.add(link);
    this.forward(downstream, upstream);
    this.forward(upstream, downstream);
    for (const socket of [downstream, upstream]) {
      socket.on('error', () => this.drop(link));
      socket.on('close', () => this.drop(link));
    }
  }

  private forward(from: net.Socket, to: net.Socket): void {
    // Chunks wait in a chain so a delay never reorders them; without a delay they go straight
    // through, with backpressure. Delayed bytes are buffered in memory: test traffic is small.
    let queue: Promise<void> = Promise.resolve();
    let queued = 0;
    from.on('data', (chunk: Buffer) => {
      if (this.delayMs === 0 && queued === 0) {
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
        return;
      }
      const due = Date.now() + this.delayMs;
      queued += 1;
      queue = queue
        .then(() => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, due - Date.now()))))
        .then(() => {
          queued -= 1;
          if (!to.destroyed) to.write(chunk);
        });
    });
    from.on('end', () => void queue.then(() => to.end()));
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    for (const socket of [link.downstream, link.upstream]) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
  }
}

/**
 * Routes every broker connection of a kafkajs client through a TcpProxy of its own, one per broker
 * address. Kafka clients learn broker addresses from metadata and connect to them directly, so a
 * proxy in front of the bootstrap address alone would cover only the first connection; kafkajs'
 * `socketFactory` is where every connection is opened, bootstrap or learnt, so the proxies sit
 * there. The brokers (the mock cluster, or a real one) are untouched and other clients are not
 * affected: faults hit exactly the clients built with this `socketFactory`.
 */
export class ProxiedNetwork {
  private readonly proxies = new Map<string, Promise<TcpProxy>>();
  private readonly started: TcpProxy[] = [];
  private delayMs = 0;
  private refusing = false;

  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    // kafkajs wants the socket synchronously; it connects once the broker's proxy listens.
    const socket = new net.Socket();
    this.proxyFor({ host, port }).then(
      (proxy) => {
        // kafkajs may have given up on the socket (connection timeout) while the proxy started.
        if (!socket.destroyed) socket.connect(proxy.port, proxy.host, onConnect);
      },
      (error: unknown) => socket.destroy(error instanceof Error ? error : new Error(String(error))),
    );
    return socket;
  };

  /** Resets every live broker connection of the clients on this network; returns how many. */
  cutAll(): number {
    return this.started.reduce((cut, proxy) => cut + proxy.cutAll(), 0);
  }

  setDelay(ms: number): void {
    this.delayMs = ms;
    for (const proxy of this.started) proxy.setDelay(ms);
  }

  /** Refuses new broker connections (live ones carry on) until `resume`. */
  pause(): void {
    this.refusing = true;
    for (const proxy of this.started) proxy.pause();
  }

  resume(): void {
    this.refusing = false;
    for (const proxy of this.started) proxy.resume();
  }

  get liveConnections(): number {
    return this.started.reduce((live, proxy) => live + proxy.liveConnections, 0);
  }

  get acceptedConnections(): number {
    return this.started.reduce((accepted, proxy) => accepted + proxy.acceptedConnections, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.started.map((proxy) => proxy.close()));
  }

  private proxyFor(target: ProxyTarget): Promise<TcpProxy> {
    const key = `${target.host}:${target.port}`;
    let proxy = this.proxies.get(key);
    if (!proxy) {
      proxy = TcpProxy.start(target).then((started) => {
        started.setDelay(this.delayMs);
        if (this.refusing) started.pause();
        this.started.push(started);
        return started;
      });
      this.proxies.set(key, proxy);
    }
    return proxy;
  }
}
