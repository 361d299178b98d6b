/**
 * A static file server for an OSTree archive repo, bound to 127.0.0.1 only. A QEMU guest on
 * user networking reaches it as 10.0.2.2:<port>. Owned by the context's scope. Files are served
 * by `send` (the express project's static file sender): it keeps paths under the root, answers
 * malformed URLs with 400 and handles HEAD, ranges and caching headers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import send from 'send';
import type { Context } from '../core/context.ts';

/** How a QEMU user-network guest reaches the host's loopback. */
export const GUEST_HOST_ADDRESS = '10.0.2.2';

export interface StaticServer {
  port: number;
  /** Requests served, for reports ("the guest pulled N objects"). */
  requests: number;
  close(): Promise<void>;
}

export async function serveDirectory(ctx: Context, root: string): Promise<StaticServer> {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    state.requests += 1;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    send(req, path, { root, dotfiles: 'deny', index: false })
      .on('error', (err: { status?: number }) => {
        res.writeHead(err.status ?? 500).end();
      })
      .on('directory', () => {
        res.writeHead(404).end();
      })
      .pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const release = ctx.scope.defer(`http server for ${root}`, close);
  return {
    port: (server.address() as AddressInfo).port,
    get requests() {
      return state.requests;
    },
    close: release,
  };
}
