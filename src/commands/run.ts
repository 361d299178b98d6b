import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { UsageError } from '../core/errors.ts';
import { requireTools } from '../core/host-tools.ts';
import { runMachine } from '../run/index.ts';
import type { ConsoleMode } from '../run/plan.ts';
import { bootStages, parseFirmware, parseWholeNumber } from './flags.ts';

export function registerRun(cmd: Command, setExit: (code: number) => void): void {
  cmd
    .argument(
      '<image>',
      'disk image built by particle-os build (.qcow2, .raw, .vmdk, .vdi) or its installer ISO (.iso)',
    )
    .option('--name <name>', 'machine name for particle-os ssh (default: the image file name)')
    .option('--firmware <fw>', 'bios or uefi', 'bios')
    .option('--memory <MiB>', 'guest memory in MiB', '2048')
    .option('--cpus <n>', 'virtual CPUs', '2')
    .option(
      '--persist <file.qcow2>',
      'keep the guest’s changes in this overlay (created on first use, reused after)',
    )
    .option(
      '--autologin',
      'log root in on the serial console (default: when the image has no users)',
    )
    .option('--no-autologin', 'never log in on the console by itself')
    .option(
      '--console <mode>',
      'terminal: the serial console in this terminal; log: only into the console log (scripts)',
      'terminal',
    )
    .option('--dry-run', 'print the plan, start nothing')
    .option('--json', 'print the plan (--dry-run) or the result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'The image is never written: the guest writes into a qcow2 overlay, thrown away when the',
        'VM stops unless --persist names one. Port 22 of the guest is forwarded to a free port on',
        '127.0.0.1 and root gets a key made for this session only (a systemd credential, not',
        'written into the image): `particle-os ssh NAME` logs in (the image needs openssh-server).',
        'Ctrl-a x quits QEMU; Ctrl-C goes to the guest.',
        '',
        'An installer ISO boots from a DVD drive with a blank 20 GiB disk it installs onto (thrown',
        'away, or kept with --persist FILE.qcow2: `particle-os run FILE.qcow2` boots it afterwards).',
        '',
        'Examples:',
        '  particle-os run build/debian-minimal.qcow2',
        '  particle-os ssh debian-minimal -- particle-os status   # from a second terminal',
        '  particle-os run build/debian-minimal.qcow2 --firmware uefi --persist build/vm.qcow2',
        '  particle-os run output/debian-minimal.iso --persist build/installed.qcow2',
      ].join('\n'),
    )
    .action(
      async (
        image: string,
        o: {
          name?: string;
          firmware: string;
          memory: string;
          cpus: string;
          persist?: string;
          autologin?: boolean;
          console: string;
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        setExit(
          await runCommand(
            'run',
            cmd.optsWithGlobals<GlobalFlags>(),
            async (ctx) => {
              const firmware = parseFirmware(o.firmware);
              if (o.console !== 'terminal' && o.console !== 'log')
                throw new UsageError(`--console must be terminal or log, not ${o.console}`);
              requireTools(['run', ...bootStages([firmware])]);
              const r = await runMachine(
                ctx,
                {
                  image: resolve(image),
                  name: o.name,
                  firmware,
                  memoryMiB: parseWholeNumber('--memory', o.memory, 1024 * 1024),
                  cpus: parseWholeNumber('--cpus', o.cpus, 64),
                  persist: o.persist ? resolve(o.persist) : undefined,
                  autologin: o.autologin,
                  console: o.console as ConsoleMode,
                },
                { dryRun: o.dryRun },
              );
              if (o.json || o.dryRun) printJson(r);
              return 'exitCode' in r && r.exitCode !== 0 ? 1 : 0;
            },
            { quietSteps: !o.dryRun },
          ),
        );
      },
    );
}
