import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printJson, runCommand } from '../cli/runtime.ts';
import { composeTree } from '../compose/index.ts';
import { resolvePackages } from '../compose/resolve.ts';
import { requireTools } from '../core/host-tools.ts';
import { loadTreefile } from '../treefile/load.ts';

export function registerCompose(program: Command, setExit: (code: number) => void): void {
  const compose = program
    .command('compose')
    .description('OSTree composition (the seed’s apt-ostree compose)');
  compose
    .command('tree')
    .description(
      'bootstrap the treefile’s Debian, make it OSTree-ready and commit it; prints the commit',
    )
    .argument('<treefile>', 'treefile (YAML)')
    .option('--repo <dir>', 'OSTree repo to commit into (default: the treefile’s ostree.repo)')
    .option(
      '--cachedir <dir>',
      'cache for downloaded .deb files (default: ~/.cache/particle-os/debs)',
    )
    .option('--workdir <dir>', 'where the temporary build tree goes (default: the system temp dir)')
    .option(
      '--publish <dir>',
      'also publish the ref into this archive repo (serve it over HTTP for upgrades)',
    )
    .option('--dry-run', 'resolve the package set against the archive; install nothing')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  particle-os compose tree treefiles/debian-minimal.yaml --repo build/repo',
    )
    .action(
      async (
        treefile: string,
        o: {
          repo?: string;
          cachedir?: string;
          workdir?: string;
          publish?: string;
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        setExit(
          await runCommand('compose', program.opts(), async (ctx) => {
            const tf = loadTreefile(treefile);
            requireTools(['compose']);
            if (o.dryRun) {
              const r = await resolvePackages(ctx, tf, o.workdir);
              if (o.json) printJson(r);
              else {
                const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
                process.stdout.write(
                  `${r.ref}: ${r.packages.length} packages from Debian ${r.suite}, download ${mib(r.downloadBytes)}, installed ${mib(r.installedBytes)}\n`,
                );
              }
              return 0;
            }
            const r = await composeTree(ctx, tf, {
              repo: o.repo ? resolve(o.repo) : undefined,
              cacheDir: o.cachedir ? resolve(o.cachedir) : undefined,
              workBase: o.workdir,
              publish: o.publish ? resolve(o.publish) : undefined,
            });
            if (o.json) printJson(r);
            else process.stdout.write(`${r.commit}\n`);
            return 0;
          }),
        );
      },
    );
}
