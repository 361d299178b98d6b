/**
 * bench/suites: the minimal variant on every Debian suite particle-os supports, each composed,
 * built and boot-tested under BIOS and UEFI by `particle-os pipeline`, one suite after another
 * (never two builds or VMs at once). Prints, per suite: the versions of the parts that differ
 * most between suites (kernel, systemd, ostree, dracut), compose, container, build and boot
 * times, login-prompt times, image sizes and whether every boot check passed.
 *
 *   npx tsx bench/suites.ts [--keep DIR] [suite ...]   (default: bookworm trixie forky sid)
 *
 * trixie uses the shipped treefiles/debian-minimal.yaml; the others the treefiles in
 * test/fixtures/treefiles/suites/ (the same file with another `base` and ref). Needs root and
 * the network. Outputs go to a temp dir removed at the end, or to DIR with --keep. Exits 1
 * when any suite fails; the table is printed either way.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PipelineResult } from '../src/workflows/pipeline.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ALL = ['bookworm', 'trixie', 'forky', 'sid'];
const SHOWN_PACKAGES = ['linux-image-amd64', 'systemd', 'ostree', 'dracut'];

function treefileFor(suite: string): string {
  return suite === 'trixie'
    ? join(ROOT, 'treefiles/debian-minimal.yaml')
    : join(ROOT, `test/fixtures/treefiles/suites/debian-${suite}-minimal.yaml`);
}

interface Row {
  suite: string;
  passed: boolean;
  seconds: number;
  result?: PipelineResult;
  error?: string;
}

function runSuite(suite: string, out: string): Row {
  const started = performance.now();
  const r = spawnSync(
    join(ROOT, 'bib/particle-os'),
    [
      'pipeline',
      treefileFor(suite),
      '--output',
      out,
      '--type',
      'qcow2',
      '--firmware',
      'bios,uefi',
      '--json',
    ],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const seconds = Math.round((performance.now() - started) / 1000);
  writeFileSync(join(out, 'pipeline.stderr'), r.stderr);
  let result: PipelineResult | undefined;
  try {
    result = JSON.parse(r.stdout) as PipelineResult;
  } catch {
    // A failed pipeline prints its error on stderr and no JSON.
  }
  // A failed boot check is in the JSON; otherwise the error is the last line on stderr.
  const failedBoot = result?.bootTests.find((b) => !b.passed);
  const error =
    r.status === 0
      ? undefined
      : failedBoot
        ? `${failedBoot.firmware}: ${
            failedBoot.problem ??
            failedBoot.checks
              .filter((c) => !c.ok)
              .map((c) => c.name)
              .join(', ')
          }`
        : (r.stderr.trim().split('\n').pop() ?? '').slice(0, 300);
  return { suite, passed: r.status === 0 && !!result?.passed, seconds, result, error };
}

/** "name version arch" entries of the compose's package list → the version of `name`. */
function versionOf(packages: string[], name: string): string {
  return packages.find((p) => p.split(' ')[0] === name)?.split(' ')[1] ?? '-';
}

function table(rows: Row[]): string {
  const head = [
    'suite',
    ...SHOWN_PACKAGES,
    'compose s',
    'container s',
    'build s',
    'login BIOS s',
    'login UEFI s',
    'checks',
    'qcow2 MiB',
    'total s',
    'result',
  ];
  const lines = rows.map((row) => {
    const r = row.result;
    const boot = (fw: string) => {
      const b = r?.bootTests.find((t) => t.firmware === fw);
      return b?.timings.loginPrompt ? (b.timings.loginPrompt / 1000).toFixed(1) : '-';
    };
    const checks = r?.bootTests
      .map((b) => `${b.checks.filter((c) => c.ok).length}/${b.checks.length}`)
      .join(' ');
    const qcow2 = r?.image.outputs.find((o) => o.type === 'qcow2');
    return [
      row.suite,
      ...SHOWN_PACKAGES.map((p) => (r ? versionOf(r.compose.packages, p) : '-')),
      r ? r.compose.seconds.toFixed(0) : '-',
      r ? r.container.seconds.toFixed(0) : '-',
      r ? r.image.seconds.toFixed(0) : '-',
      boot('bios'),
      boot('uefi'),
      checks ?? '-',
      qcow2 ? (qcow2.bytes / 2 ** 20).toFixed(0) : '-',
      String(row.seconds),
      row.passed
        ? 'pass'
        : `FAIL ${row.error ?? r?.bootTests.find((b) => !b.passed)?.problem ?? ''}`,
    ];
  });
  return [head, ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const keepAt = args.indexOf('--keep');
  const keep = keepAt >= 0 ? resolve(args.splice(keepAt, 2)[1] ?? '') : undefined;
  const suites = args.length ? args : ALL;
  for (const s of suites)
    if (!ALL.includes(s)) throw new Error(`unknown suite ${s}; known: ${ALL}`);
  const base = keep ?? mkdtempSync(join(tmpdir(), 'particle-os-bench-suites-'));
  const rows: Row[] = [];
  try {
    for (const suite of suites) {
      const out = join(base, suite);
      mkdirSync(out, { recursive: true });
      process.stderr.write(`bench/suites: ${suite} …\n`);
      const row = runSuite(suite, out);
      process.stderr.write(
        `bench/suites: ${suite} ${row.passed ? 'passed' : 'FAILED'} in ${row.seconds}s\n`,
      );
      rows.push(row);
    }
  } finally {
    if (!keep) rmSync(base, { recursive: true, force: true });
  }
  process.stdout.write(`${table(rows)}\n`);
  process.exitCode = rows.every((r) => r.passed) ? 0 : 1;
}

main();
