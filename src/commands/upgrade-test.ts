import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { UsageError } from '../core/errors.ts';
import { requireTools } from '../core/host-tools.ts';
import {
  DEFAULT_CUT_POINTS,
  type PowerCutPoint,
  type PowerLossOutcome,
} from '../workflows/power-loss.ts';
import { upgradeTest } from '../workflows/upgrade-test.ts';
import {
  type BuildAndBootFlags,
  bootStages,
  buildAndBootInputs,
  buildAndBootOptions,
  formatBootTest,
  logFlags,
  parseFirmware,
} from './flags.ts';

export function registerUpgradeTest(cmd: Command, setExit: (code: number) => void): void {
  cmd.argument('<treefile>', 'treefile (YAML) for v1; v2 adds --add-package');
  buildAndBootOptions(cmd, 'timeout of each boot')
    .option('--output <dir>', 'output directory (repos, images, logs)', 'build/upgrade-test')
    .option('--firmware <fw>', 'bios or uefi', 'bios')
    .option(
      '--add-package <name>',
      'package v2 adds (the visible change; tcpdump also brings a new system user)',
      'tcpdump',
    )
    .option(
      '--via <source>',
      'where the installed system updates from: ostree (an archive repo over HTTP, ostree admin upgrade) or registry (its bootc image in a local docker-registry, particle-os upgrade)',
      'ostree',
    )
    .option(
      '--power-loss [points]',
      'then pull the plug mid-upgrade at these points (phase:ms,…; phase is pull or deploy)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  particle-os upgrade-test treefiles/debian-minimal.yaml --firmware uefi',
    )
    .action(
      async (
        treefilePath: string,
        o: BuildAndBootFlags & {
          output: string;
          firmware: string;
          addPackage: string;
          via: string;
          json?: boolean;
          powerLoss?: string | boolean;
        },
      ) => {
        const outputDir = resolve(o.output);
        const flags = logFlags(cmd.optsWithGlobals<GlobalFlags>(), outputDir);
        setExit(
          await runCommand('upgrade-test', flags, async (ctx) => {
            const inputs = buildAndBootInputs(treefilePath, o);
            const firmware = parseFirmware(o.firmware);
            if (o.via !== 'ostree' && o.via !== 'registry')
              throw new UsageError(`--via must be ostree or registry, not ${o.via}`);
            if (!/^[a-z0-9][a-z0-9+.-]+$/.test(o.addPackage))
              throw new UsageError(`--add-package: not a package name: ${o.addPackage}`);
            requireTools([
              'compose',
              'container',
              'build',
              ...bootStages([firmware]),
              ...(o.via === 'registry' ? (['registry'] as const) : []),
            ]);
            const r = await upgradeTest(ctx, {
              ...inputs,
              outputDir,
              firmware,
              addPackage: o.addPackage,
              via: o.via,
              powerLoss: parseCutPoints(o.powerLoss),
            });
            if (o.json) printJson(r);
            else {
              const out = process.stdout;
              out.write(
                `v1 ${r.v1.compose.version} compose ${r.v1.compose.commit} deployed ${r.v1.deployedCommit}\n`,
              );
              out.write(
                `v2 ${r.v2.compose.version} compose ${r.v2.compose.commit} (+${o.addPackage}), served at ${r.updateUrl}\n`,
              );
              for (const b of r.boots) {
                out.write(`--- ${b.phase} (${b.seconds.toFixed(1)}s)\n${formatBootTest(b.result)}`);
              }
              if (r.powerLoss) out.write(formatPowerLoss(r.powerLoss));
              out.write(`upgrade test: ${r.passed ? 'PASSED' : 'FAILED'}\n`);
            }
            return r.passed ? 0 : 1;
          }),
        );
      },
    );
}

export function parseCutPoints(v: string | boolean | undefined): PowerCutPoint[] | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return DEFAULT_CUT_POINTS;
  return v.split(',').map((p) => {
    const m = p.trim().match(/^(pull|deploy):(\d+)$/);
    if (!m) throw new UsageError(`--power-loss: "${p}" is not phase:ms (phase pull or deploy)`);
    return { phase: m[1] as PowerCutPoint['phase'], delayMs: Number(m[2]) };
  });
}

function formatPowerLoss(outcomes: PowerLossOutcome[]): string {
  const rows = outcomes.map((p) => {
    const cut = p.finishedBeforeCut
      ? 'step finished before the cut'
      : `cut at ${((p.cutAtMs ?? 0) / 1000).toFixed(1)}s`;
    const failed = p.recovery.checks.filter((c) => !c.ok).map((c) => c.name);
    return `  ${p.phase.padEnd(6)} +${String(p.delayMs).padStart(5)}ms  ${cut.padEnd(28)} recovery: ${p.passed ? 'booted v1, fsck ok, retried upgrade ok' : `FAILED ${failed.join(', ')} ${p.recovery.problem ?? ''}`}`;
  });
  return `power-loss matrix:\n${rows.join('\n')}\n`;
}
