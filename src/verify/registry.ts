/**
 * A container registry for the upgrade test: Debian's `docker-registry` (the CNCF distribution
 * registry) on 127.0.0.1 with its storage in a directory of the output. A QEMU guest on user
 * networking reaches it as 10.0.2.2:<port>, over plain HTTP (the guest marks it insecure in
 * registries.conf.d). Owned by the context's scope: stopped on release, also on Ctrl-C.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { start } from '../core/run.ts';

export interface Registry {
  /** host:port on this machine. */
  host: string;
  port: number;
}

/** A free TCP port on 127.0.0.1 (the registry binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Start the registry with its storage in `dir`; resolves once it answers /v2/. */
export async function serveRegistry(ctx: Context, dir: string): Promise<Registry> {
  const port = await freePort();
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(join(dir, 'storage'))}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      'log:',
      '  level: warn',
      '',
    ].join('\n'),
  );
  return step(ctx, `start a registry on 127.0.0.1:${port}`, async (sc) => {
    // start() registers the process with the scope: it is stopped when the command ends.
    const server = start(sc, ['docker-registry', 'serve', config]);
    server.done.catch(() => undefined); // its exit at the end is expected
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/v2/`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return { host: `127.0.0.1:${port}`, port };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`docker-registry did not answer on 127.0.0.1:${port} (see the step log)`);
  });
}
