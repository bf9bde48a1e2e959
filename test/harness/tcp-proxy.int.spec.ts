import net from 'node:net';
import { TcpProxy } from './tcp-proxy.js';

/** An echo server: what the proxy forwards must come back unchanged, in order. */
const startEcho = async (): Promise<{ port: number; close: () => Promise<void> }> => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

interface Client {
  readonly socket: net.Socket;
  /** Everything echoed back so far. */
  text(): string;
  readonly ended: Promise<'closed' | 'reset'>;
}

/** Writes before the handshake completes are buffered by the socket, so nothing waits for it here. */
const connect = (proxy: TcpProxy): Client => {
  let received = '';
  const socket = net.connect({ host: proxy.host, port: proxy.port });
  const ended = new Promise<'closed' | 'reset'>((resolve) => {
    socket.on('error', () => resolve('reset'));
    socket.on('close', () => resolve('closed'));
  });
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  return { socket, text: () => received, ended };
};

const until = async (condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('TcpProxy', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let proxy: TcpProxy;

  beforeEach(async () => {
    echo = await startEcho();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: echo.port });
  });

  afterEach(async () => {
    await proxy.close();
    await echo.close();
  });

  it('forwards both ways and keeps the byte order under a delay', async () => {
    const client = connect(proxy);
    client.socket.write('before;');
    await until(() => client.text() === 'before;', 'the first chunk came back');

    proxy.setDelay(30);
    for (let index = 0; index < 20; index += 1) client.socket.write(`${index};`);
    const expected = `before;${Array.from({ length: 20 }, (_, index) => `${index};`).join('')}`;
    await until(() => client.text() === expected, 'the delayed chunks came back in order');
    client.socket.destroy();
  });

  it('cuts every live connection, and takes new ones afterwards', async () => {
    const clients = [connect(proxy), connect(proxy)];
    await until(() => proxy.liveConnections === 2, 'both connections are live');

    expect(proxy.cutAll()).toBe(2);
    for (const client of clients) await expect(client.ended).resolves.toBeDefined();
    expect(proxy.liveConnections).toBe(0);

    const after = connect(proxy);
    after.socket.write('again');
    await until(() => after.text() === 'again', 'a new connection works');
    expect(proxy.acceptedConnections).toBe(3);
    after.socket.destroy();
  });

  it('refuses new connections while paused, keeping live ones', async () => {
    const live = connect(proxy);
    await until(() => proxy.liveConnections === 1, 'the first connection is live');
    proxy.pause();
    const refused = connect(proxy);
    await expect(refused.ended).resolves.toBe('reset');
    live.socket.write('still here');
    await until(() => live.text() === 'still here', 'the live connection still works');

    proxy.resume();
    const resumed = connect(proxy);
    resumed.socket.write('back');
    await until(() => resumed.text() === 'back', 'connections are accepted again');
    live.socket.destroy();
    resumed.socket.destroy();
  });
});
