/**
 * docs/tutorial.md's `sh` blocks are what test/integration/tutorial.test.ts runs; these checks
 * are the cheap half: extraction, shell syntax, every particle-os command and option exists,
 * every work path stays under tutorial/, and the files it writes with heredocs validate.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { shellBlocks, tutorialScript } from '../../scripts/extract-tutorial.ts';
import { RecipeSchema } from '../../src/recipe/schema.ts';
import { TreefileFileSchema } from '../../src/treefile/schema.ts';
import { analyzeCall, particleOsCalls } from '../helpers/cli-usage.ts';

const TUTORIAL = readFileSync('docs/tutorial.md', 'utf8');
const SCRIPT = tutorialScript(TUTORIAL);

test('only sh blocks are extracted, in order, with their line numbers', () => {
  const md = [
    '# t',
    '```sh',
    'echo one',
    '```',
    '```console',
    '# ostree admin status',
    '```',
    '```text',
    'output',
    '```',
    '```sh',
    'echo two',
    'echo three',
    '```',
  ].join('\n');
  assert.deepEqual(shellBlocks(md), [
    { line: 2, code: 'echo one' },
    { line: 11, code: 'echo two\necho three' },
  ]);
  assert.throws(() => shellBlocks('```sh\necho'), /unclosed code fence opened at line 1/);
  const script = tutorialScript(md);
  assert.match(script, /^#!\/bin\/bash\n/);
  assert.match(script, /\nset -eu\n/);
  assert.ok(script.indexOf('echo one') < script.indexOf('echo two'));
  assert.doesNotMatch(script, /ostree admin status/);
});

test('the tutorial script starts by installing the dependencies and is valid bash', () => {
  const first = shellBlocks(TUTORIAL)[0]?.code.split('\n')[0];
  assert.equal(first, './scripts/install-deps.sh');
  const r = spawnSync('bash', ['-n'], { input: SCRIPT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('every particle-os command in the tutorial exists with these options', () => {
  const calls = particleOsCalls(SCRIPT);
  const paths = new Set<string>();
  for (const c of calls) {
    const a = analyzeCall(c);
    assert.deepEqual(a.problems, [], c.line);
    paths.add(a.path.join(' '));
  }
  for (const p of ['compose tree', 'container build', 'build', 'boot-test', 'run', 'ssh'])
    assert.ok(paths.has(p), `the tutorial runs ${p}`);
  assert.ok(
    calls.some((c) => c.args[0] === 'compose' && c.args.includes('--publish')),
    'publishes the archive repo',
  );
  assert.ok(
    calls.some((c) => c.args[0] === 'build' && c.args.includes('--update-url')),
    'builds with an update URL',
  );
});

test('everything the tutorial writes goes under tutorial/', () => {
  for (const c of particleOsCalls(SCRIPT)) {
    for (const flag of ['--repo', '--publish', '--output']) {
      const i = c.args.indexOf(flag);
      if (i < 0) continue;
      const value = (c.args[i + 1] ?? '').replace(/^oci-archive:/, '');
      assert.match(value, /^tutorial\//, `${flag} in: ${c.line}`);
    }
  }
  for (const m of SCRIPT.matchAll(/cat > (\S+) <</g)) assert.match(m[1] as string, /^tutorial\//);
  assert.doesNotMatch(SCRIPT, /(^|\s)\/(root|home|tmp|work)\//m, 'no absolute paths');
});

test('the recipe and treefile written by heredocs are valid', () => {
  const files = new Map<string, string>();
  for (const m of SCRIPT.matchAll(/cat > (\S+) <<'EOF'\n([\s\S]*?)\nEOF\n/g))
    files.set(m[1] as string, m[2] as string);
  const recipe = files.get('tutorial/recipe.yml');
  const v2 = files.get('tutorial/v2.yaml');
  assert.ok(recipe && v2, `heredocs found: ${[...files.keys()].join(', ')}`);
  assert.ok(RecipeSchema.safeParse(parse(recipe)).success, 'recipe validates');
  const tf = TreefileFileSchema.parse(parse(v2));
  const include = typeof tf.include === 'string' ? tf.include : '';
  assert.ok(existsSync(join(dirname('tutorial/v2.yaml'), include)), `include ${include} exists`);
  assert.ok(tf.packages?.includes('tcpdump'), 'v2 adds a package');
});
