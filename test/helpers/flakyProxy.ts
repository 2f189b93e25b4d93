/**
 * A TCP proxy on 127.0.0.1 that drops connections on purpose: the registry "drops connections
 * during a push" for real, at the socket level, as a flaky network or a restarting registry would.
 */
import * as net from 'node:net';

export interface FlakyProxy {
  port: number;
  /** connections accepted so far */
  connections: number;
  /** connections dropped so far */
  dropped: number;
  /** drop every new connection after `bytes` bytes upstream (0: at once) while `enabled` */
  setDropping(enabled: boolean, bytes?: number): void;
  /** drop this many of the next connections, then pass everything */
  dropNext(count: number, bytes?: number): void;
  close(): Promise<void>;
}

export async function startFlakyProxy(targetPort: number): Promise<FlakyProxy> {
  let dropping = false;
  let budget = 0;
  let afterBytes = 0;
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, dropped: 0 };
  const server = net.createServer((client) => {
    state.connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const drop = dropping || budget > 0;
    if (budget > 0) budget--;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    let sent = 0;
    const kill = () => {
      state.dropped++;
      client.resetAndDestroy();
      upstream.destroy();
    };
    if (drop && afterBytes === 0) {
      kill();
      return;
    }
    client.on('data', (d) => {
      sent += d.length;
      if (drop && sent >= afterBytes) return kill();
      upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return state.connections;
    },
    get dropped() {
      return state.dropped;
    },
    setDropping(enabled, bytes = 0) {
      dropping = enabled;
      afterBytes = bytes;
    },
    dropNext(count, bytes = 0) {
      budget = count;
      afterBytes = bytes;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
