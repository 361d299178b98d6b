import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { allDebianPackages, toolStates } from '../core/host-tools.ts';

export function registerDoctor(cmd: Command, setExit: (code: number) => void): void {
  cmd
    .addHelpText(
      'after',
      '\nExample:\n  particle-os doctor   # then apt-get install the packages it lists',
    )
    .action(() => {
      const states = toolStates();
      for (const t of states) {
        process.stdout.write(
          `${t.path ? 'ok     ' : 'MISSING'} ${t.tool.padEnd(20)} ${t.debianPackage.padEnd(16)} ${t.path ?? ''}\n`,
        );
      }
      const kvm = existsSync('/dev/kvm');
      process.stdout.write(
        `/dev/kvm: ${kvm ? 'present (boot tests probe whether it works)' : 'absent (boot tests use TCG)'}\n`,
      );
      const missing = states.filter((t) => !t.path);
      if (missing.length) {
        process.stdout.write(
          `\ninstall everything with:\n  apt-get install -y ${allDebianPackages().join(' ')}\n`,
        );
      }
      setExit(missing.length ? 1 : 0);
    });
}
