/**
 * The CI templates in examples/ci/ cannot rot: both parse as workflows with a schedule and a
 * manual trigger, every particle-os command line in them is accepted by the CLI's current
 * options, and together they compose, publish, push, build both disk formats and boot-test.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { analyzeCall, type CallAnalysis, particleOsCalls } from '../helpers/cli-usage.ts';

const TEMPLATES = ['examples/ci/github/build.yml', 'examples/ci/forgejo/build.yml'];

interface Workflow {
  on: { schedule?: { cron: string }[]; workflow_dispatch?: unknown };
  jobs: Record<string, { steps: { run?: string; uses?: string }[] }>;
}

function runScripts(file: string): string[] {
  const wf = parse(readFileSync(file, 'utf8')) as Workflow;
  return Object.values(wf.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? [s.run] : [])));
}

for (const file of TEMPLATES) {
  test(`${file}: scheduled and manual triggers`, () => {
    const wf = parse(readFileSync(file, 'utf8')) as Workflow;
    assert.match(wf.on.schedule?.[0]?.cron ?? '', /^\S+ \S+ \S+ \S+ \S+$/);
    assert.ok('workflow_dispatch' in wf.on);
  });

  test(`${file}: run scripts are valid bash and take no \${{ }} expressions`, () => {
    for (const script of runScripts(file)) {
      // Expressions are pasted into the script before it runs: values go through env instead.
      assert.doesNotMatch(script, /\$\{\{/, script);
      const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stderr}\n${script}`);
    }
  });

  test(`${file}: every particle-os command uses existing commands and options`, () => {
    const calls = runScripts(file).flatMap(particleOsCalls);
    const analyses: CallAnalysis[] = calls.map((c) => {
      const a = analyzeCall(c);
      assert.deepEqual(a.problems, [], c.line);
      return a;
    });
    const used = (path: string, flag?: string) =>
      analyses.some((a) => a.path.join(' ') === path && (!flag || a.flags.includes(flag)));
    assert.ok(used('compose tree', '--publish'), 'composes and publishes the archive repo');
    assert.ok(used('container build', '--output'), 'builds the bootc image');
    assert.ok(
      calls.some((c) => c.args[0] === 'container' && c.args.some((a) => a.startsWith('docker://'))),
      'pushes to a registry with docker://',
    );
    assert.ok(used('build', '--update-url'), 'builds disk images that know their update URL');
    assert.ok(
      calls.some((c) => c.args[0] === 'build' && c.args.includes('qcow2,raw')),
      'qcow2 and raw',
    );
    assert.ok(used('boot-test', '--firmware'), 'boot-tests the images');
  });
}

test('the command checker rejects what the CLI would reject', () => {
  const problems = (line: string) => particleOsCalls(line).flatMap((c) => analyzeCall(c).problems);
  assert.deepEqual(
    problems('./bib/particle-os --log-dir l boot-test x.qcow2 --firmware uefi -v'),
    [],
  );
  assert.deepEqual(
    problems('COMMIT=$(./bib/particle-os compose tree t.yaml --repo r) && echo'),
    [],
  );
  assert.match(problems('particle-os boot-test x.qcow2 --no-such-flag').join(), /unknown option/);
  assert.match(problems('particle-os compose frobnicate t.yaml').join(), /unknown command/);
  assert.match(problems('particle-os container').join(), /needs one of: build, lint/);
  assert.match(problems('particle-os build --type').join(), /--type needs a value/);
  assert.match(problems('particle-os build --type qcow2').join(), /expects 1 argument/);
  assert.match(problems('particle-os boot-test a.qcow2 b.qcow2').join(), /too many arguments/);
  assert.deepEqual(problems('particle-os treefile validate a.yaml b.yaml c.yaml'), []);
  assert.deepEqual(problems('echo "particle-os is great"'), []);
});
