import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { requireTools } from '../core/host-tools.ts';
import { bootTest } from '../verify/boot-test.ts';
import { expectationsFromPlan } from '../verify/expectations.ts';
import { guestChecks } from '../verify/guest-checks.ts';
import { readPlanNextTo } from '../vm/build-plan.ts';
import { bootStages, formatBootTest, parseFirmware, parseTimeout } from './flags.ts';

export function registerBootTest(cmd: Command, setExit: (code: number) => void): void {
  cmd
    .argument(
      '<image>',
      'disk image (.qcow2 or .raw); a <name>.plan.json next to it adds expectations',
    )
    .option('--firmware <fw>', 'bios or uefi', 'bios')
    .option('--timeout <seconds>', 'give up after this long', '300')
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
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  particle-os boot-test output/debian-minimal.qcow2 --firmware uefi\n  particle-os boot-test output/debian-minimal.qcow2 --analyze   # where the boot time goes',
    )
    .action(
      async (
        image: string,
        o: {
          firmware: string;
          timeout: string;
          expectCommit?: string;
          check: string[];
          screenshot?: string;
          screenshotDelay: string;
          analyze?: boolean;
          json?: boolean;
        },
      ) => {
        setExit(
          await runCommand('boot-test', cmd.optsWithGlobals<GlobalFlags>(), async (ctx) => {
            const firmware = parseFirmware(o.firmware);
            const timeout = parseTimeout(o.timeout);
            requireTools(bootStages([firmware]));
            const disk = resolve(image);
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
            });
            if (o.json) printJson(r);
            else process.stdout.write(formatBootTest(r));
            return r.passed ? 0 : 1;
          }),
        );
      },
    );
}
