import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { COMPOSE_LOAD_OPTIONS } from '../compose/base-packages.ts';
import { formatIssue, formatWarning, InputError, type InputIssue } from '../core/errors.ts';
import { loadTreefile } from '../treefile/load.ts';

export function registerTreefile(treefile: Command, setExit: (code: number) => void): void {
  treefile
    .command('validate')
    .description(
      'report every problem in every file as file:line:col  key  message (exit 2 on any)',
    )
    .argument('<files...>', 'treefiles')
    .addHelpText('after', '\nExample:\n  particle-os treefile validate treefiles/*.yaml')
    .action(async (files: string[]) => {
      setExit(
        await runCommand('treefile', treefile.optsWithGlobals<GlobalFlags>(), async () => {
          const issues: InputIssue[] = [];
          for (const f of files) {
            let warnings: InputIssue[];
            try {
              warnings = loadTreefile(f, COMPOSE_LOAD_OPTIONS).warnings;
            } catch (e) {
              if (!(e instanceof InputError)) throw e;
              issues.push(...e.issues);
              warnings = e.warnings;
            }
            for (const w of warnings) process.stdout.write(`${formatWarning(w)}\n`);
          }
          for (const i of issues) process.stdout.write(`${formatIssue(i)}\n`);
          if (issues.length) throw new InputError([]);
          process.stdout.write(`${files.length} treefile(s) valid\n`);
          return 0;
        }),
      );
    });
  treefile
    .command('print')
    .description(
      'print the flattened, resolved treefile as JSON (includes merged, variables substituted)',
    )
    .argument('<file>', 'treefile')
    .addHelpText(
      'after',
      '\nExample:\n  particle-os treefile print treefiles/debian-gnome-atomic.yaml',
    )
    .action(async (file: string) => {
      setExit(
        await runCommand('treefile', treefile.optsWithGlobals<GlobalFlags>(), async (ctx) => {
          // The JSON is the model; warnings about the input go to stderr, and where each
          // script was written (for the interpreter checks) is not part of it.
          const {
            warnings,
            scriptSites: _sites,
            ...model
          } = loadTreefile(file, COMPOSE_LOAD_OPTIONS);
          for (const w of warnings) ctx.reporter.warn(formatIssue(w));
          printJson(model);
          return 0;
        }),
      );
    });
}
