import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InterruptedError, ToolError } from '../../../src/core/errors.ts';
import { run } from '../../../src/core/run.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('run captures stdout and tees output to the step log', async () => {
  const sc = testContext();
  const r = await run(sc, ['sh', '-c', 'echo out; echo err >&2']);
  assert.equal(r.stdout, 'out\n');
  const log = readFileSync(sc.logFile, 'utf8');
  assert.match(log, /\$ sh -c 'echo out; echo err >&2'/);
  assert.match(log, /out\nerr\n|err\nout\n/);
});

test('a failing command raises ToolError with argv, exit code and stderr tail', async () => {
  const sc = testContext();
  await assert.rejects(
    run(sc, ['sh', '-c', 'for i in $(seq 1 40); do echo line$i >&2; done; exit 3']),
    (e: unknown) => {
      assert.ok(e instanceof ToolError);
      assert.equal(e.code, 3);
      assert.deepEqual(e.argv.slice(0, 2), ['sh', '-c']);
      assert.match(e.stderrTail, /line40$/);
      assert.doesNotMatch(e.stderrTail, /line10\n/, 'only the tail is kept');
      assert.match(e.message, /exit code 3/);
      return true;
    },
  );
});

test('a missing program is a ToolError, not a crash', async () => {
  await assert.rejects(run(testContext(), ['no-such-program-xyz']), ToolError);
});

test('aborting kills the whole process group and raises InterruptedError', async () => {
  const sc = testContext();
  const marker = join(scratchDir('abort'), 'grandchild-survived');
  const p = run(sc, ['sh', '-c', `(sleep 3; touch ${marker}) & sleep 30`]);
  setTimeout(() => sc.controller.abort(), 200);
  await assert.rejects(p, InterruptedError);
  await new Promise((r) => setTimeout(r, 3500));
  assert.ok(!existsSync(marker), 'the grandchild was killed with its group');
});

test('host tools see only allow-listed variables (no TAR_OPTIONS, APT_CONFIG, LD_PRELOAD)', async () => {
  const sc = testContext();
  const saved = { ...process.env };
  Object.assign(process.env, {
    TAR_OPTIONS: '--absolute-names',
    APT_CONFIG: '/tmp/evil.conf',
    LD_PRELOAD: '/tmp/evil.so',
    http_proxy: 'http://127.0.0.1:3142',
  });
  try {
    const r = await run(sc, ['env']);
    const names = r.stdout.split('\n').map((l) => l.split('=')[0]);
    for (const bad of ['TAR_OPTIONS', 'APT_CONFIG', 'LD_PRELOAD'])
      assert.ok(!names.includes(bad), bad);
    assert.ok(names.includes('http_proxy'), 'proxies pass');
    assert.match(r.stdout, /^LC_ALL=C\.UTF-8$/m);
  } finally {
    for (const k of ['TAR_OPTIONS', 'APT_CONFIG', 'LD_PRELOAD', 'http_proxy'])
      delete process.env[k];
    Object.assign(process.env, saved);
  }
});
