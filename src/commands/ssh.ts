import type { Command } from 'commander';
import { type GlobalFlags, runCommand } from '../cli/runtime.ts';
import { requireTools } from '../core/host-tools.ts';
import { sshToMachine } from '../run/ssh.ts';
import { parseTimeout } from './flags.ts';

export function registerSsh(cmd: Command, setExit: (code: number) => void): void {
  cmd
    .argument('[name]', 'the machine (default: the only one running)')
    .argument('[command...]', 'run this instead of a login shell (after --)')
    .option('--wait <seconds>', 'wait this long for the machine’s SSH server (0: do not wait)', '0')
    .addHelpText(
      'after',
      [
        '',
        'Logs in as root with the key particle-os run made for the machine. Exit code: the',
        "remote command's, or 255 when ssh could not connect.",
        '',
        'Examples:',
        '  particle-os ssh debian-minimal',
        '  particle-os ssh debian-minimal --wait 600 -- systemctl is-system-running --wait',
      ].join('\n'),
    )
    .action(async (first: string | undefined, rest: string[], o: { wait: string }) => {
      // `ssh -- CMD…` names no machine: commander would still hand CMD's first word over as
      // the name, so look at where `--` stood.
      const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      const dashes = raw.indexOf('--', raw.indexOf('ssh') + 1);
      const named = first !== undefined && (dashes < 0 || raw.indexOf(first) < dashes);
      const name = named ? first : undefined;
      const command = named || first === undefined ? rest : [first, ...rest];
      setExit(
        await runCommand(
          'ssh',
          cmd.optsWithGlobals<GlobalFlags>(),
          async (ctx) => {
            requireTools(['run']);
            const wait = o.wait === '0' ? 0 : parseTimeout(o.wait);
            return sshToMachine(ctx, { name, command, waitSeconds: wait });
          },
          { quietSteps: true },
        ),
      );
    });
}
