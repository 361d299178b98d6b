/**
 * A static file server for an OSTree archive repo, bound to 127.0.0.1 only. A QEMU guest on
 * user networking reaches it as 10.0.2.2:<port>. Owned by the context's scope.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
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
    const urlPath = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const file = normalize(join(root, urlPath));
    if (
      !(file === root || file.startsWith(root + sep)) ||
      (req.method !== 'GET' && req.method !== 'HEAD')
    ) {
      res.writeHead(403).end();
      return;
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
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
