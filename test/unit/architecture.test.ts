/**
 * The layout docs/architecture.md describes, checked: no import cycles in src/, stages that
 * depend only on shared modules (never on each other), shared modules that depend on no
 * stage, every src/ folder the architecture document names exists, and the unit tests mirror
 * src/ (test/unit/<dir>/<module>.test.ts tests src/<dir>/<module>.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';

const STAGES = ['compose', 'container', 'image', 'verify', 'run'];
const SHARED = ['core', 'treefile', 'recipe', 'oci', 'ostree', 'vm'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** file → the src files it imports (relative imports, type-only ones too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources('src')) {
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms)].map(
      (m) => normalize(join(dirname(file), m[1] as string)),
    );
    graph.set(file, deps);
  }
  return graph;
}

const folder = (file: string) => relative('src', file).split('/')[0] as string;

test('src/ has no import cycles', () => {
  const graph = importGraph();
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    path.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push([...path.slice(path.indexOf(d)), d].join(' → '));
      else if (!state.has(d)) visit(d);
    }
    path.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test('stages import only themselves and shared modules; shared modules import no stage', () => {
  const wrong: string[] = [];
  for (const [file, deps] of importGraph()) {
    const from = folder(file);
    for (const d of deps) {
      const to = folder(d);
      if (to === from) continue;
      if (STAGES.includes(from) && !SHARED.includes(to)) wrong.push(`${file} → ${d}`);
      if (SHARED.includes(from) && !SHARED.includes(to)) wrong.push(`${file} → ${d}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('every src/ folder docs/architecture.md names exists', () => {
  const doc = readFileSync('docs/architecture.md', 'utf8');
  const named = [...new Set([...doc.matchAll(/`src\/([a-z-]+)\/`/g)].map((m) => m[1] as string))];
  assert.ok(named.length >= 8, `only ${named.length} folders named`);
  for (const f of [...STAGES, ...SHARED]) assert.ok(named.includes(f), `${f} is not described`);
  for (const f of named) assert.ok(existsSync(join('src', f)), `src/${f} is named but missing`);
});

test('commands never import each other (shared flags and formatters live in commands/flags.ts)', () => {
  const wrong = [...importGraph()].flatMap(([file, deps]) =>
    folder(file) === 'commands' && !file.endsWith('flags.ts')
      ? deps
          .filter((d) => folder(d) === 'commands' && !d.endsWith('flags.ts'))
          .map((d) => `${file} → ${d}`)
      : [],
  );
  assert.deepEqual(wrong, []);
});

test('unit tests mirror src/: each test/unit/<dir>/<module>.test.ts has a src/<dir>/<module>.ts', () => {
  const nested = sources('test/unit').filter((f) => relative('test/unit', f).includes('/'));
  assert.ok(nested.length >= 30, `only ${nested.length} module tests found`);
  const orphans = nested.filter(
    (f) =>
      !f.endsWith('.test.ts') ||
      relative('test/unit', f).split('/').length !== 2 || // the npm scripts run test/unit/*/*.test.ts
      !existsSync(join('src', relative('test/unit', f).replace(/\.test\.ts$/, '.ts'))),
  );
  assert.deepEqual(
    orphans,
    [],
    'name a module test after its src/ file; whole-repository checks live in test/unit/',
  );
});
