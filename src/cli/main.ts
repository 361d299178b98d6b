/**
 * The particle-os CLI entry. Parses arguments (commander), dispatches to src/commands/*, and is
 * the only place that exits the process.
 */
import { Command, CommanderError } from 'commander';
import { registerBootTest } from '../commands/boot-test.ts';
import { registerBuild } from '../commands/build.ts';
import { registerCompose } from '../commands/compose.ts';
import { registerContainer } from '../commands/container.ts';
import { registerDoctor } from '../commands/doctor.ts';
import { registerPipeline } from '../commands/pipeline.ts';
import { registerSchema } from '../commands/schema.ts';
import { registerTreefile } from '../commands/treefile.ts';
import { registerUpgradeTest } from '../commands/upgrade-test.ts';
import { ExitCode } from '../core/errors.ts';

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('particle-os')
    .description(
      'Build Debian Atomic (OSTree/bootc) systems: treefile → commit → bootc image → disk → boot test',
    )
    .option('-v, --verbose', 'stream the output of every tool')
    .option(
      '--log-dir <dir>',
      'where per-step logs go (default: ~/.local/state/particle-os/logs/<time>-<command>)',
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  particle-os compose tree treefiles/debian-minimal.yaml --repo build/repo',
        '  particle-os container build --repo build/repo debian/13/x86_64/minimal --output oci-archive:build/minimal.ociarchive',
        '  particle-os build --base-image oci-archive:build/minimal.ociarchive --type qcow2 recipes/minimal.yml',
        '  particle-os boot-test output/debian-minimal.qcow2 --firmware uefi',
        '  particle-os pipeline treefiles/debian-minimal.yaml   # all of the above',
        '',
        'Exit codes: 0 ok, 1 build or test failed, 2 bad input or usage, 130 interrupted.',
      ].join('\n'),
    )
    .showHelpAfterError()
    .exitOverride();
  for (const register of [
    registerCompose,
    registerContainer,
    registerBuild,
    registerBootTest,
    registerPipeline,
    registerUpgradeTest,
    registerSchema,
    registerTreefile,
    registerDoctor,
  ]) {
    register(program, setExit);
  }
  return program;
}

async function main(): Promise<void> {
  let code: number = ExitCode.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is usage.
      code = e.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    } else {
      process.stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`);
      code = ExitCode.failed;
    }
  }
  process.exit(code);
}

await main();
