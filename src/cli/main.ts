/**
 * The particle-os CLI entry. Parses arguments (commander), dispatches to src/commands/*, and is
 * the only place that exits the process.
 *
 * A command's module is loaded only when that command runs: `--help` and a typo load none, so
 * the CLI starts in about the time node itself takes (bench/cli.ts measures it).
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../core/errors.ts';
import { projectVersion } from '../core/project.ts';

type Register = (cmd: Command, setExit: (code: number) => void) => void;

/** Every top-level command: its name, the one-line summary `--help` lists, and its module. */
const COMMANDS: { name: string; summary: string; load: () => Promise<Register> }[] = [
  {
    name: 'compose',
    summary: 'OSTree composition (the seed’s apt-ostree compose)',
    load: async () => (await import('../commands/compose.ts')).registerCompose,
  },
  {
    name: 'container',
    summary: 'bootc container images (the seed’s bootc build)',
    load: async () => (await import('../commands/container.ts')).registerContainer,
  },
  {
    name: 'build',
    summary: 'turn a bootc image into a bootable disk image (BIOS + UEFI)',
    load: async () => (await import('../commands/build.ts')).registerBuild,
  },
  {
    name: 'install',
    summary:
      'install a bootc image onto a block device or disk image file (like bootc install to-disk)',
    load: async () => (await import('../commands/install.ts')).registerInstall,
  },
  {
    name: 'boot-test',
    summary: 'boot a disk image in QEMU and check from inside that it runs as an OSTree system',
    load: async () => (await import('../commands/boot-test.ts')).registerBootTest,
  },
  {
    name: 'run',
    summary:
      'start a disk image or installer ISO in QEMU, its console in this terminal (like mkosi vm)',
    load: async () => (await import('../commands/run.ts')).registerRun,
  },
  {
    name: 'ssh',
    summary: 'log in to a machine particle-os run started, with the key made for it',
    load: async () => (await import('../commands/ssh.ts')).registerSsh,
  },
  {
    name: 'pipeline',
    summary: 'compose → container → disk image → boot test, all in one output directory',
    load: async () => (await import('../commands/pipeline.ts')).registerPipeline,
  },
  {
    name: 'upgrade-test',
    summary:
      'build v1, boot it, upgrade in the guest to v2 (from an OSTree archive or a registry), reboot, roll back, reboot',
    load: async () => (await import('../commands/upgrade-test.ts')).registerUpgradeTest,
  },
  {
    name: 'schema',
    summary: 'print the JSON Schema of a file format (treefile, recipe) for editors',
    load: async () => (await import('../commands/schema.ts')).registerSchema,
  },
  {
    name: 'treefile',
    summary: 'check and inspect treefiles',
    load: async () => (await import('../commands/treefile.ts')).registerTreefile,
  },
  {
    name: 'doctor',
    summary: 'show which host tools are present and which Debian packages provide the missing ones',
    load: async () => (await import('../commands/doctor.ts')).registerDoctor,
  },
];

/**
 * The program with every command declared. Only the command named in argv (the first word that
 * is not an option) gets its flags and action, loaded from its module; with none named (help,
 * a typo) the rest stay summaries, which is all help and commander's suggestions need.
 */
export async function buildProgram(
  argv: string[],
  setExit: (code: number) => void,
): Promise<Command> {
  const program = new Command('particle-os')
    .description(
      'Build Debian Atomic (OSTree/bootc) systems: treefile → commit → bootc image → disk → boot test',
    )
    .version(projectVersion(), '-V, --version', 'print the version')
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
  const named = commandWord(argv);
  for (const c of COMMANDS) {
    const cmd = program.command(c.name).description(c.summary);
    if (c.name === named) (await c.load())(cmd, setExit);
  }
  return program;
}

/**
 * The first argument that is not an option or an option's value: the command's name (for
 * `help NAME`, the name after it).
 */
function commandWord(argv: string[]): string | undefined {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i] as string;
    if (a === '--log-dir') i++;
    else if (!a.startsWith('-')) words.push(a);
  }
  return words[0] === 'help' ? words[1] : words[0];
}

async function main(): Promise<void> {
  let code: number = ExitCode.ok;
  try {
    const program = await buildProgram(process.argv.slice(2), (c) => {
      code = c;
    });
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
