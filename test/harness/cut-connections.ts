import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Cuts live TCP connections of ANOTHER process from outside it, the way a failing network path or
 * a firewall reset does: `ss -K` asks the kernel (sock_diag, SOCK_DESTROY) to abort the sockets,
 * which fails every pending and later operation on them in the owning process (ECONNABORTED) and
 * sends the peer a reset. Nothing in the process under test is changed or told.
 *
 * Why not a proxy: Kafka clients learn broker addresses from metadata and connect to them directly,
 * so a proxy in front of the bootstrap address catches only the first connection. Routing every
 * broker connection through proxies would need a seam in the application; this needs none.
 *
 * Needs root (CAP_NET_ADMIN) and a kernel built with CONFIG_INET_DIAG_DESTROY; `assertCanCut`
 * checks both up front and says so plainly.
 */

interface Socket {
  readonly pid: number;
  readonly localPort: number;
  readonly peerPort: number;
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

/** Established TCP sockets with their owning process (`ss -tnpH`). */
const establishedSockets = async (): Promise<Socket[]> => {
  const { stdout: text } = await run('ss', ['-tnpH', 'state', 'established'], { encoding: 'utf8' });
  const sockets: Socket[] = [];
  for (const line of text.split('\n')) {
    // Recv-Q Send-Q Local:Port Peer:Port users:(("node",pid=123,fd=20),...)
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    for (const match of line.matchAll(/pid=(\d+),/g)) {
      sockets.push({ pid: Number(match[1]), localPort: portOf(fields[2]!), peerPort: portOf(fields[3]!) });
    }
  }
  return sockets;
};

/**
 * Aborts every established connection that process `pid` holds to one of `remotePorts` on
 * loopback; returns how many there were. Other processes' connections to the same ports are left
 * alone.
 */
export const cutConnections = async (pid: number, remotePorts: readonly number[]): Promise<number> => {
  const wanted = new Set(remotePorts);
  const targets = (await establishedSockets()).filter((socket) => socket.pid === pid && wanted.has(socket.peerPort));
  if (targets.length === 0) return 0;
  const localPorts = [...new Set(targets.map((socket) => socket.localPort))];
  const filter = [
    '(',
    ...localPorts.flatMap((port, index) => (index === 0 ? [] : ['or']).concat(['sport', '=', `:${port}`])),
    ')',
    'and',
    '(',
    ...[...wanted].flatMap((port, index) => (index === 0 ? [] : ['or']).concat(['dport', '=', `:${port}`])),
    ')',
  ];
  await run('ss', ['-K', '-tnH', 'state', 'established', ...filter], { encoding: 'utf8' });
  return targets.length;
};

/** Throws, naming what is missing, unless `ss -K` can abort a connection on this machine. */
export const assertCanCut = async (): Promise<void> => {
  const server = net.createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, '127.0.0.1');
  const ended = new Promise<string>((resolve) => {
    client.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    client.on('close', () => resolve('closed'));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    let failure = '';
    try {
      await cutConnections(process.pid, [port]);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const outcome = await Promise.race([ended, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 1_000))]);
    if (outcome === 'still open') {
      throw new Error(
        `cannot cut TCP connections with \`ss -K\` here (${failure || 'the connection stayed open'}): it needs root and a kernel with CONFIG_INET_DIAG_DESTROY`,
      );
    }
  } finally {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
};
