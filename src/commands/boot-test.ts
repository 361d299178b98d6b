import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { UsageError } from '../core/errors.ts';
import { requireTools } from '../core/host-tools.ts';
import { parseSize } from '../recipe/schema.ts';
import { bootTest } from '../verify/boot-test.ts';
import { expectationsFromPlan } from '../verify/expectations.ts';
import { guestChecks } from '../verify/guest-checks.ts';
import { bootTestIso, type IsoBootTestResult } from '../verify/iso-install.ts';
import { readPlanNextTo } from '../vm/build-plan.ts';
import {
  bootStages,
  formatBootTest,
  parseFirmware,
  parseTimeout,
  parseWholeNumber,
} from './flags.ts';

export function registerBootTest(cmd: Command, setExit: (code: number) => void): void {
  cmd
    .argument(
      '<image>',
      'disk image (.qcow2 or .raw; a <name>.plan.json next to it adds expectations) or an installer ISO (.iso)',
    )
    .option('--firmware <fw>', 'bios or uefi', 'bios')
    .option('--timeout <seconds>', 'give up after this long', '300')
    .option('--memory <MiB>', 'guest memory in MiB (default 2048; not for an ISO)')
    .option(
      '--expect-commit <checksum>',
      'the deployment that must be booted (default: from the plan)',
    )
    .option(
      '--check <cmd>',
      'extra shell check run in the guest (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--screenshot <file.png>',
      'save the screen (e.g. the greeter) once the checks have run',
    )
    .option(
      '--screenshot-delay <seconds>',
      'how long after boot finished to take the screenshot',
      '5',
    )
    .option(
      '--analyze',
      'also report systemd-analyze time, blame and critical-chain from the guest (JSON: analysis)',
    )
    .option(
      '--target-disk <file>',
      'an ISO installs onto this disk image file, made blank first (default: NAME-installed.raw next to the ISO)',
    )
    .option('--target-size <size>', 'size of that blank disk (e.g. 20G, 20GiB; default 8G)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'An installer ISO (build --type iso) boots with a blank disk attached; its installer runs',
        'unattended and powers off; then the disk boots alone and must pass every check of the plan',
        'the installer printed, and its root filesystem must span the disk.',
        '',
        'Examples:',
        '  particle-os boot-test output/debian-minimal.qcow2 --firmware uefi',
        '  particle-os boot-test output/debian-minimal.qcow2 --analyze   # where the boot time goes',
        '  particle-os boot-test output/debian-minimal.iso --firmware uefi --timeout 1200',
      ].join('\n'),
    )
    .action(
      async (
        image: string,
        o: {
          firmware: string;
          timeout: string;
          memory?: string;
          expectCommit?: string;
          check: string[];
          screenshot?: string;
          screenshotDelay: string;
          analyze?: boolean;
          targetDisk?: string;
          targetSize?: string;
          json?: boolean;
        },
      ) => {
        setExit(
          await runCommand('boot-test', cmd.optsWithGlobals<GlobalFlags>(), async (ctx) => {
            const firmware = parseFirmware(o.firmware);
            const timeout = parseTimeout(o.timeout);
            requireTools(bootStages([firmware]));
            const disk = resolve(image);
            const iso = disk.endsWith('.iso');
            const misplaced = iso
              ? {
                  '--expect-commit': o.expectCommit,
                  '--screenshot': o.screenshot,
                  '--analyze': o.analyze,
                  // The live system's memory is fixed: it builds the disk in RAM.
                  '--memory': o.memory,
                }
              : { '--target-disk': o.targetDisk, '--target-size': o.targetSize };
            const given = Object.entries(misplaced).filter(
              ([, v]) => v !== undefined && v !== false,
            );
            if (given.length)
              throw new UsageError(
                `${given.map(([f]) => f).join(', ')}: not for ${iso ? 'an installer ISO (the installed disk is checked against the plan its installer printed)' : 'a disk image (only an installer ISO installs onto a target disk)'}`,
              );
            if (iso) {
              const r = await bootTestIso(ctx, {
                iso: disk,
                disk: resolve(o.targetDisk ?? disk.replace(/\.iso$/, '-installed.raw')),
                diskBytes: parseSizeFlag('--target-size', o.targetSize ?? '8G'),
                firmware,
                timeoutSeconds: timeout,
                extraChecks: o.check,
              });
              if (o.json) printJson(r);
              else process.stdout.write(formatIsoBootTest(r));
              return r.passed ? 0 : 1;
            }
            const plan = readPlanNextTo(disk);
            const expect = plan ? expectationsFromPlan(plan) : {};
            if (o.expectCommit) expect.commit = o.expectCommit;
            expect.extra = o.check;
            const r = await bootTest(ctx, {
              disk,
              firmware,
              timeoutSeconds: timeout,
              checks: guestChecks(expect),
              screenshot: o.screenshot ? resolve(o.screenshot) : undefined,
              screenshotDelaySeconds: parseTimeout(o.screenshotDelay),
              analyze: o.analyze,
              memoryMiB:
                o.memory === undefined
                  ? undefined
                  : parseWholeNumber('--memory', o.memory, 1024 * 1024),
            });
            if (o.json) printJson(r);
            else process.stdout.write(formatBootTest(r));
            return r.passed ? 0 : 1;
          }),
        );
      },
    );
}

function parseSizeFlag(flag: string, v: string): number {
  try {
    return parseSize(v);
  } catch {
    throw new UsageError(`${flag} must be a size like 8G or 20GiB, not ${v}`);
  }
}

function formatIsoBootTest(r: IsoBootTestResult): string {
  const i = r.install;
  const s = (ms?: number) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(0)}s`);
  const install = `install: ${i.passed ? 'ok' : `FAILED: ${i.problem}`} (live kernel ${s(i.timings.kernel)}, installer ${s(i.timings.installerStart)}, installed ${s(i.timings.installed)}, total ${s(i.timings.total)}; console ${i.serialLog})`;
  return `${install}\n${r.boot ? formatBootTest(r.boot) : ''}`;
}
