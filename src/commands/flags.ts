/** Flag parsing, defaults and formatters shared by several commands (commands never import each other). */
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { COMPOSE_LOAD_OPTIONS } from '../compose/base-packages.ts';
import { defaultDebCacheDir } from '../compose/index.ts';
import { UsageError } from '../core/errors.ts';
import type { Stage } from '../core/host-tools.ts';
import { projectPath } from '../core/project.ts';
import { IMAGE_TYPES, type ImageType } from '../image/index.ts';
import { loadRecipe } from '../recipe/load.ts';
import type { Recipe } from '../recipe/schema.ts';
import { loadTreefile, type ResolvedTreefile } from '../treefile/load.ts';
import type { BootTestResult } from '../verify/boot-test.ts';
import type { Firmware } from '../vm/qemu.ts';

export function parseFirmware(s: string): Firmware {
  if (s !== 'bios' && s !== 'uefi')
    throw new UsageError(`--firmware must be bios or uefi, not ${s}`);
  return s;
}

export function parseTimeout(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--timeout must be a positive number of seconds, not ${s}`);
  return n;
}

/** A flag's whole number from 1 to `max` (--max-layers, --memory, --cpus). */
export function parseWholeNumber(flag: string, s: string, max: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, not ${s}`);
  return n;
}

/** Host-tool stages for booting under these firmwares. */
export function bootStages(firmwares: Firmware[]): Stage[] {
  return ['boot-test', ...(firmwares.includes('uefi') ? (['boot-test-uefi'] as const) : [])];
}

/** The cache root (--cachedir or ~/.cache/particle-os) and the .deb cache inside it. */
export function cacheDirs(flag: string | undefined): { root: string; debs: string } {
  const root = flag ? resolve(flag) : dirname(defaultDebCacheDir());
  return { root, debs: join(root, 'debs') };
}

/** Logs of commands with an output directory go there. */
export function logFlags(globals: { logDir?: string; verbose?: boolean }, outputDir: string) {
  return { ...globals, logDir: globals.logDir ?? join(outputDir, 'logs') };
}

/** The recipe `pipeline` and `upgrade-test` use when none is given. */
export const DEFAULT_RECIPE = projectPath('recipes', 'minimal.yml');

export function parseTypes(s: string): ImageType[] {
  const { disks, iso } = parseBuildTypes(s);
  if (iso)
    throw new UsageError(`type iso is made by build, not here: use ${IMAGE_TYPES.join(', ')}`);
  return disks;
}

/** `build --type`: disk image types and the installer ISO (iso). */
export function parseBuildTypes(s: string): { disks: ImageType[]; iso: boolean } {
  const types = s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const known = [...IMAGE_TYPES, 'iso'];
  const bad = types.filter((t) => !known.includes(t));
  if (bad.length)
    throw new UsageError(`unknown image type ${bad.join(', ')}: use ${known.join(', ')}`);
  if (types.length === 0) throw new UsageError('no output type given');
  const disks = [...new Set(types.filter((t) => t !== 'iso'))] as ImageType[];
  return { disks, iso: types.includes('iso') };
}

export function formatBootTest(r: BootTestResult): string {
  const t = r.timings;
  const s = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);
  const lines = [
    `boot test ${r.firmware.toUpperCase()} (${r.accel.toUpperCase()}): ${r.passed ? 'PASSED' : 'FAILED'}`,
    ...r.checks.map(
      (c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.detail ? `  ${c.detail}` : ''}`,
    ),
    `  kernel ${s(t.kernel)}, switch root ${s(t.switchRoot)}, login prompt ${s(t.loginPrompt)}, checks done ${s(t.checksDone)}, total ${s(t.total)}`,
    `  serial console log: ${r.serialLog}`,
  ];
  if (r.analysis) {
    lines.push(...r.analysis.time.map((l) => `  ${l}`), '  slowest units:');
    for (const b of r.analysis.blame.slice(0, 10))
      lines.push(`    ${s(b.ms).padStart(7)} ${b.unit}`);
  }
  if (r.retriedAfter) lines.push(`  booted twice: ${r.retriedAfter}`);
  if (r.problem) lines.push(`  problem: ${r.problem}`);
  return `${lines.join('\n')}\n`;
}

/** The flags of the commands that build from a treefile and boot the result. */
export interface BuildAndBootFlags {
  recipe: string;
  timeout: string;
  cachedir?: string;
  workdir?: string;
}

/** Declare the flags `pipeline` and `upgrade-test` share (BuildAndBootFlags). */
export function buildAndBootOptions(cmd: Command, timeoutHelp: string): Command {
  return cmd
    .option('--recipe <file>', 'image recipe', DEFAULT_RECIPE)
    .option('--timeout <seconds>', timeoutHelp, '300')
    .option('--cachedir <dir>', 'cache directory (default: ~/.cache/particle-os)')
    .option('--workdir <dir>', 'where temporary files go (default: the system temp dir)');
}

/** BuildAndBootFlags → the inputs both workflows take (treefile and recipe loaded, checked). */
export function buildAndBootInputs(
  treefilePath: string,
  o: BuildAndBootFlags,
): {
  treefile: ResolvedTreefile;
  recipe: Recipe;
  timeoutSeconds: number;
  cacheDir: string;
  debCacheDir: string;
  workBase?: string;
} {
  const cache = cacheDirs(o.cachedir);
  return {
    treefile: loadTreefile(treefilePath, COMPOSE_LOAD_OPTIONS),
    recipe: loadRecipe(o.recipe),
    timeoutSeconds: parseTimeout(o.timeout),
    cacheDir: cache.root,
    debCacheDir: cache.debs,
    workBase: o.workdir,
  };
}
