/**
 * bench/cli: how fast the CLI starts, against `node -e 0` in the same run.
 *
 *   npx tsx bench/cli.ts [--rounds N] [--repo DIR --treefile FILE]
 *
 * Runs each command N times (default 10) alternating with the baseline, so a busy machine
 * slows both alike, and prints the median seconds and the ratio to node's own start. Rows:
 * `--version`, `--help`, `treefile validate` of the minimal treefile, each from the bundle
 * (dist/, what bib/particle-os runs) and from source through tsx (PARTICLE_OS_FROM_SOURCE=1, the
 * old start). With --repo and --treefile, also a no-change `compose tree` against a repo that
 * already holds that treefile's commit (needs root and the composed repo).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { median } from './median.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    repo: { type: 'string' },
    treefile: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const CLI = './bib/particle-os';

if (!existsSync('dist/.built')) throw new Error('no dist/: run npm run build first');

interface Row {
  name: string;
  argv: string[];
  env?: Record<string, string>;
}

const rows: Row[] = [];
for (const [how, env] of [
  ['bundle', {}],
  ['source', { PARTICLE_OS_FROM_SOURCE: '1' }],
] as const) {
  rows.push({ name: `--version (${how})`, argv: [CLI, '--version'], env });
  rows.push({ name: `--help (${how})`, argv: [CLI, '--help'], env });
  rows.push({
    name: `treefile validate (${how})`,
    argv: [CLI, 'treefile', 'validate', 'treefiles/debian-minimal.yaml'],
    env,
  });
  if (values.repo && values.treefile)
    rows.push({
      name: `compose tree, no change (${how})`,
      argv: [CLI, 'compose', 'tree', values.treefile, '--repo', values.repo],
      env,
    });
}

function seconds(argv: string[], env: Record<string, string> = {}): number {
  const t = performance.now();
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return (performance.now() - t) / 1000;
}

const baseline: number[] = [];
const times = new Map<string, number[]>(rows.map((r) => [r.name, []]));
for (let i = 0; i < ROUNDS; i++) {
  for (const r of rows) {
    baseline.push(seconds(['node', '-e', '0']));
    times.get(r.name)?.push(seconds(r.argv, r.env));
  }
}
const node = median(baseline) ?? 0;
process.stdout.write(`median of ${ROUNDS} runs, seconds (ratio to node -e 0)\n`);
process.stdout.write(`${'node -e 0'.padEnd(40)} ${node.toFixed(3)}\n`);
for (const r of rows) {
  const m = median(times.get(r.name) ?? []) ?? 0;
  process.stdout.write(`${r.name.padEnd(40)} ${m.toFixed(3)}  (${(m / node).toFixed(2)}×)\n`);
}
