/**
 * bench/boot: how fast our image boots against a plain Debian image of the same packages, in
 * one run, under the same QEMU settings.
 *
 *   npx tsx bench/boot.ts [--treefile FILE] [--recipe FILE] [--boots N] [--firmware bios,uefi]
 *                         [--ours DISK.qcow2] [--cachedir DIR] [--workdir DIR] [--json]
 *
 * Ours: `compose tree` + `container build` + `build --type qcow2` of the treefile and recipe
 * (default: the quick start's minimal image), unless --ours names a disk already built.
 * Plain: the same mmdebstrap call compose makes (same packages, options and .deb cache), with
 * dracut told to build a generic initramfs as compose does, the treefile's units enabled and its
 * add-files copied, and the recipe's hostname; no OSTree. Its disk has the same partitions, the
 * same GRUB (2.14, the same menu and timeout, one BLS entry) and the same kernel arguments but
 * ostree=. Each image then boots N times per firmware (default 3, BIOS and UEFI), alternating
 * plain and ours so a busy machine slows both alike; each boot is a first boot (a fresh
 * snapshot), as a new machine's is.
 *
 * Printed per firmware: medians of kernel start, switch root and login prompt seen on the
 * serial console (seconds from power-on), systemd-analyze's initrd, userspace and total, and
 * ours/plain ratios (target for login: ≤ 1.3), plus the slowest units of our last boot.
 * Needs root; about 25 minutes under TCG with a warm .deb cache.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runCommand } from '../src/cli/runtime.ts';
import { requestedPackages } from '../src/compose/base-packages.ts';
import { mmdebstrapArgv } from '../src/compose/bootstrap.ts';
import { type Context, step } from '../src/core/context.ts';
import { run } from '../src/core/run.ts';
import { makeWorkDir } from '../src/core/workdir.ts';
import { assembleDisk } from '../src/image/assemble.ts';
import { diskLayout, newDiskIds } from '../src/image/disk-size.ts';
import { kernelArgs } from '../src/image/plan.ts';
import { duBytes, installGrub } from '../src/image/steps.ts';
import { fstab, splitBoot } from '../src/image/sysroot.ts';
import { loadRecipe } from '../src/recipe/load.ts';
import type { Recipe } from '../src/recipe/schema.ts';
import { loadTreefile, type ResolvedTreefile } from '../src/treefile/load.ts';
import { type BootTestResult, bootTest } from '../src/verify/boot-test.ts';
import { guestChecks } from '../src/verify/guest-checks.ts';
import { type Accel, chooseAccel, type Firmware } from '../src/vm/qemu.ts';
import { median } from './median.ts';

const { values } = parseArgs({
  options: {
    treefile: { type: 'string', default: 'treefiles/debian-minimal.yaml' },
    recipe: { type: 'string', default: 'recipes/minimal.yml' },
    boots: { type: 'string', default: '3' },
    firmware: { type: 'string', default: 'bios,uefi' },
    ours: { type: 'string' },
    cachedir: { type: 'string', default: join(homedir(), '.cache', 'particle-os') },
    workdir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const BOOTS = Number(values.boots);
const FIRMWARES = (values.firmware ?? '').split(',') as Firmware[];
const CACHE = resolve(values.cachedir as string);
const TREEFILE = resolve(values.treefile as string);
/** --workdir: where the report and serial logs stay (the work dir inside it is removed). */
const KEEP = values.workdir ? resolve(values.workdir) : undefined;
const CLI = resolve('bib/particle-os');

/** Ours, built by the CLI the way the quick start does; returns the qcow2. */
async function buildOurs(
  ctx: Context,
  work: string,
  tf: ResolvedTreefile,
  recipe: Recipe,
): Promise<string> {
  const out = join(work, 'ours');
  const repo = join(out, 'repo');
  const archive = join(out, 'image.ociarchive');
  const cli = (args: string[]) =>
    step(ctx, `particle-os ${args[0]} ${args[1] ?? ''}`, (sc) =>
      run(sc, [CLI, '--log-dir', join(out, 'logs'), ...args]),
    );
  await cli(['compose', 'tree', TREEFILE, '--repo', repo, '--cachedir', CACHE]);
  await cli(['container', 'build', '--repo', repo, tf.ref, '--output', `oci-archive:${archive}`]);
  await cli([
    'build',
    '--base-image',
    `oci-archive:${archive}`,
    '--type',
    'qcow2',
    '--output',
    out,
    resolve(values.recipe as string),
  ]);
  return join(out, `${recipe.name}.qcow2`);
}

/** The plain Debian disk: compose's bootstrap, no OSTree, the same GRUB and partitions. */
async function buildPlain(
  ctx: Context,
  work: string,
  tf: ResolvedTreefile,
  recipe: Recipe,
): Promise<string> {
  const dir = join(work, 'plain');
  const root = join(dir, 'root');
  const bootStage = join(dir, 'boot');
  mkdirSync(dir, { recursive: true });
  await step(ctx, 'bootstrap plain Debian (mmdebstrap, same packages)', async (sc) => {
    const argv = mmdebstrapArgv({
      tf,
      packages: requestedPackages(tf),
      target: root,
      debCacheDir: join(CACHE, 'debs'),
      work: dir,
    });
    const hooks = [
      // Before the kernel's postinst runs dracut: generic, like compose's --no-hostonly.
      `--setup-hook=mkdir -p "$1/etc/dracut.conf.d" && echo 'hostonly="no"' > "$1/etc/dracut.conf.d/90-generic.conf"`,
      ...tf.addFiles.flatMap(([src, dest]) => [
        `--customize-hook=mkdir -p "$1$(dirname ${dest})"`,
        `--customize-hook=upload ${src} ${dest}`,
      ]),
      ...(tf.units.length
        ? [`--customize-hook=chroot "$1" systemctl enable ${tf.units.join(' ')}`]
        : []),
      `--customize-hook=echo ${recipe.hostname ?? 'debian'} > "$1/etc/hostname"`,
    ];
    const at = argv.indexOf(tf.suite);
    argv.splice(at, 0, ...hooks);
    await run(sc, argv);
  });
  return step(ctx, 'assemble the plain disk (same partitions and GRUB)', async (sc) => {
    splitBoot(root, bootStage);
    const kver = (readdirSync(bootStage).find((f) => f.startsWith('vmlinuz-')) ?? '').slice(8);
    if (!kver) throw new Error('no kernel in the plain tree');
    const ids = newDiskIds();
    writeFileSync(join(root, 'etc/fstab'), fstab(ids.root, ids.boot));
    mkdirSync(join(bootStage, 'loader/entries'), { recursive: true });
    writeFileSync(
      join(bootStage, 'loader/entries/debian-plain.conf'),
      [
        'title Debian GNU/Linux (plain)',
        `version ${kver}`,
        `linux /vmlinuz-${kver}`,
        `initrd /initrd.img-${kver}`,
        `options ${kernelArgs(ids, [], recipe).join(' ')}`,
        '',
      ].join('\n'),
    );
    const boot = await installGrub(sc, { cacheDir: CACHE, bootStage, work: dir, ids });
    const layout = diskLayout(await duBytes(sc, root), recipe, ids);
    const raw = join(dir, 'plain.raw');
    await assembleDisk(sc, {
      disk: raw,
      diskBytes: layout.diskBytes,
      diskGuid: ids.disk,
      partitions: layout.partitions,
      rootStage: root,
      bootStage,
      espFiles: { 'EFI/BOOT/BOOTX64.EFI': boot.efi },
      biosBootImg: boot.bootImg,
      biosCoreImg: boot.core,
      work: dir,
      kernelVersion: kver,
    });
    const qcow2 = join(dir, 'plain.qcow2');
    await run(sc, ['qemu-img', 'convert', '-O', 'qcow2', raw, qcow2]);
    await run(sc, ['rm', '-rf', '--one-file-system', root, bootStage, raw]);
    return qcow2;
  });
}

interface Sample {
  kernel?: number;
  switchRoot?: number;
  login?: number;
  initrd?: number;
  userspace?: number;
  analyzeTotal?: number;
}

function sample(r: BootTestResult): Sample {
  const s = r.analysis?.startup ?? {};
  return {
    kernel: r.timings.kernel,
    switchRoot: r.timings.switchRoot,
    login: r.timings.loginPrompt,
    initrd: s.initrd,
    userspace: s.userspace,
    analyzeTotal: s.total,
  };
}

const report: Record<string, unknown> = {};
const code = await runCommand('bench-boot', { logDir: KEEP && join(KEEP, 'logs') }, async (ctx) => {
  const tf = loadTreefile(TREEFILE);
  const recipe = loadRecipe(resolve(values.recipe as string));
  if (values.ours && !existsSync(values.ours)) throw new Error(`no image at ${values.ours}`);
  const work = makeWorkDir(ctx, 'bench-boot', KEEP);
  const images = {
    plain: await buildPlain(ctx, work, tf, recipe),
    ours: values.ours ? resolve(values.ours) : await buildOurs(ctx, work, tf, recipe),
  };
  const checks = guestChecks({}).filter((c) => c.name === 'system-running');
  const lines: string[] = [`bench/boot: ${values.treefile}, ${BOOTS} boots per image and firmware`];
  for (const firmware of FIRMWARES) {
    const accel: Accel = await step(ctx, 'choose accelerator', (sc) =>
      chooseAccel(sc, images.plain, firmware, work),
    );
    const samples: Record<'plain' | 'ours', Sample[]> = { plain: [], ours: [] };
    let lastOurs: BootTestResult | undefined;
    let lastPlain: BootTestResult | undefined;
    for (let i = 0; i < BOOTS; i++) {
      for (const which of ['plain', 'ours'] as const) {
        const r = await bootTest(ctx, {
          disk: images[which],
          firmware,
          accel,
          timeoutSeconds: 900,
          checks,
          analyze: true,
          serialLog: join(KEEP ?? work, `serial-${which}-${firmware}-${i + 1}.log`),
        });
        if (!r.passed)
          throw new Error(
            `${which} ${firmware} boot ${i + 1}: ${r.problem ?? JSON.stringify(r.checks)}`,
          );
        samples[which].push(sample(r));
        if (which === 'ours') lastOurs = r;
        else lastPlain = r;
      }
    }
    const keys = ['kernel', 'switchRoot', 'login', 'initrd', 'userspace', 'analyzeTotal'] as const;
    const med = (which: 'plain' | 'ours') =>
      Object.fromEntries(keys.map((k) => [k, median(samples[which].map((s) => s[k]))]));
    const plain = med('plain');
    const ours = med('ours');
    report[firmware] = {
      accel,
      plain,
      ours,
      samples,
      analysis: { ours: lastOurs?.analysis, plain: lastPlain?.analysis },
    };
    const sec = (ms?: number) => (ms === undefined ? '    -' : (ms / 1000).toFixed(1).padStart(6));
    lines.push(
      '',
      `${firmware.toUpperCase()} under ${accel.toUpperCase()} (medians, s)   plain    ours   ratio`,
    );
    for (const k of keys) {
      const p = plain[k];
      const o = ours[k];
      const ratio = p && o ? `${(o / p).toFixed(2)}×` : '-';
      lines.push(
        `  ${k.padEnd(30)} ${sec(p)}  ${sec(o)}   ${ratio}${k === 'login' ? '  (target ≤ 1.3×)' : ''}`,
      );
    }
    lines.push('  slowest units, ours (last boot):');
    for (const b of lastOurs?.analysis?.blame.slice(0, 8) ?? [])
      lines.push(`    ${sec(b.ms)}  ${b.unit}`);
  }
  // With --workdir, the whole report (every sample, our units and critical chain) stays there.
  if (KEEP) writeFileSync(join(KEEP, 'bench-boot.json'), JSON.stringify(report, null, 2));
  process.stdout.write(
    values.json ? `${JSON.stringify(report, null, 2)}\n` : `${lines.join('\n')}\n`,
  );
  return 0;
});
process.exit(code);
