/**
 * verify/http-serve.ts: the static server the upgrade test's guest pulls from. It must serve
 * the repo's files, survive malformed and hostile requests, and never leave its root.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { serveDirectory } from '../../../src/verify/http-serve.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

/** A raw request (the path is sent as written, not normalized by a URL parser). */
function get(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves files; malformed, climbing and other requests get errors and the server lives on', async () => {
  const root = scratchDir('serve');
  mkdirSync(join(root, 'refs/heads'), { recursive: true });
  writeFileSync(join(root, 'config'), '[core]\nmode=archive-z2\n');
  writeFileSync(join(root, 'refs/heads/main'), 'abc\n');
  const outside = join(root, '..', `outside-${process.pid}`);
  writeFileSync(outside, 'secret\n');
  const sc = testContext();
  const server = await serveDirectory(sc, root);
  try {
    assert.deepEqual(await get(server.port, '/config'), {
      status: 200,
      body: '[core]\nmode=archive-z2\n',
    });
    assert.equal((await get(server.port, '/refs/heads/main')).body, 'abc\n');
    assert.equal((await get(server.port, '/%E0%A4%A')).status, 400);
    const climb = await get(server.port, `/../outside-${process.pid}`);
    assert.ok(climb.status >= 400 && !climb.body.includes('secret'), `${climb.status}`);
    const encoded = await get(server.port, `/%2e%2e/outside-${process.pid}`);
    assert.ok(encoded.status >= 400 && !encoded.body.includes('secret'), `${encoded.status}`);
    assert.equal((await get(server.port, '/refs')).status, 404);
    assert.equal((await get(server.port, '/nope')).status, 404);
    assert.equal((await get(server.port, '/config', 'POST')).status, 405);
    assert.deepEqual(await get(server.port, '/config', 'HEAD'), { status: 200, body: '' });
    assert.equal((await get(server.port, '/config')).status, 200, 'still serving');
    assert.equal(server.requests, 10);
  } finally {
    await server.close();
  }
});
