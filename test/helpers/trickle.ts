/**
 * A registry that stalls: on 127.0.0.1, it answers every request with headers at once and then a
 * byte of body every `everyMs`, never ending (an idle timeout never fires). Counts requests.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TrickleServer {
  port: number;
  requests: number;
  close(): Promise<void>;
}

export async function trickleServer(everyMs = 500): Promise<TrickleServer> {
  const timers = new Set<NodeJS.Timeout>();
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Docker-Distribution-Api-Version': 'registry/2.0' });
    res.write(' ');
    const timer = setInterval(() => res.write(' '), everyMs);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((resolve) => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
