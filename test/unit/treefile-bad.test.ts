/**
 * Every broken treefile in test/fixtures/treefiles/bad is rejected by the CLI with exit 2, a
 * located message (file:line:col  key  message), no stack trace, and nothing written.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchDir } from '../helpers/scratch.ts';

const DIR = 'test/fixtures/treefiles/bad';
const CLI = join(process.cwd(), 'bib/particle-os');
const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

function compose(file: string, repo: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(CLI, ['compose', 'tree', join(DIR, file), '--repo', repo], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, XDG_STATE_HOME: scratchDir('state') },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('at least 15 broken treefiles are shipped', () => {
  assert.ok(fixtures.length >= 15, `${fixtures.length} fixtures`);
});

test('each broken treefile: exit 2, file:line:col message, no stack trace, nothing written', async () => {
  const results = await Promise.all(
    fixtures.map(async (f) => {
      const repo = join(scratchDir('bad-repo'), 'repo');
      return { f, repo, ...(await compose(f, repo)) };
    }),
  );
  for (const { f, repo, code, stderr } of results) {
    assert.equal(code, 2, `${f}: exit ${code}\n${stderr}`);
    assert.match(
      stderr,
      /^error: \S+\.yaml:\d+:\d+ {2}\S+ {2}\S/m,
      `${f}: located message\n${stderr}`,
    );
    assert.ok(stderr.includes(f.replace(/-[ab]\.yaml$/, '')), `${f}: names the file`);
    assert.doesNotMatch(stderr, /\n\s+at \S+ \(/, `${f}: no stack trace`);
    assert.ok(!existsSync(repo), `${f}: nothing written`);
  }
});

test('did-you-mean for unknown keys', async () => {
  const r = await compose('unknown-key.yaml', join(scratchDir('r'), 'repo'));
  assert.match(
    r.stderr,
    /unknown-key\.yaml:3:1 {2}packagess {2}unknown key "packagess"; did you mean "packages"\?/,
  );
});
