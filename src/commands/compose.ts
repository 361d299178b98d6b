import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { COMPOSE_LOAD_OPTIONS } from '../compose/base-packages.ts';
import { composeDiff, formatDiff } from '../compose/diff.ts';
import { composeTree, planComposeTree } from '../compose/index.ts';
import { formatComposePlan } from '../compose/plan.ts';
import { requireTools } from '../core/host-tools.ts';
import { loadTreefile } from '../treefile/load.ts';
import { cacheDirs } from './flags.ts';

export function registerCompose(compose: Command, setExit: (code: number) => void): void {
  compose
    .command('tree')
    .description(
      'bootstrap the treefile’s Debian, make it OSTree-ready and commit it; prints the commit',
    )
    .argument('<treefile>', 'treefile (YAML)')
    .option('--repo <dir>', 'OSTree repo to commit into (default: the treefile’s ostree.repo)')
    .option(
      '--cachedir <dir>',
      'cache root: .deb files in DIR/debs, apt metadata in DIR/apt, installed trees for incremental composes in DIR/trees (default: ~/.cache/particle-os)',
    )
    .option('--workdir <dir>', 'where the temporary build tree goes (default: the system temp dir)')
    .option(
      '--publish <dir>',
      'also publish the ref into this archive repo (serve it over HTTP for upgrades)',
    )
    .option(
      '--force-nocache',
      'compose even if the inputs equal those of the ref’s commit, from scratch (no cached tree or initramfs)',
    )
    .option('--lockfile <file>', 'install exactly the package versions in this lockfile')
    .option(
      '--write-lockfile <file>',
      'write the resolved package versions to this lockfile (with --dry-run: and nothing else)',
    )
    .option(
      '--dry-run',
      'print the plan: the package set resolved against the archive (the lockfile’s versions with --lockfile), its sizes and whether the ref already has these inputs; install nothing',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Unchanged inputs (treefile, files it pulls in, resolved packages) print "no changes"',
        'and exit 0 without building.',
        '',
        'Examples:',
        '  particle-os compose tree treefiles/debian-minimal.yaml --repo build/repo',
        '  particle-os compose tree treefiles/debian-minimal.yaml --repo build/repo --write-lockfile minimal.lock.json',
      ].join('\n'),
    )
    .action(
      async (
        treefile: string,
        o: {
          repo?: string;
          cachedir?: string;
          workdir?: string;
          publish?: string;
          forceNocache?: boolean;
          lockfile?: string;
          writeLockfile?: string;
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        setExit(
          await runCommand('compose', compose.optsWithGlobals<GlobalFlags>(), async (ctx) => {
            const tf = loadTreefile(treefile, COMPOSE_LOAD_OPTIONS);
            requireTools(['compose']);
            const cache = cacheDirs(o.cachedir);
            const opts = {
              repo: o.repo ? resolve(o.repo) : undefined,
              debCacheDir: cache.debs,
              cacheRoot: cache.root,
              force: !!o.forceNocache,
              lockfile: o.lockfile,
              writeLockfile: o.writeLockfile,
            };
            if (o.dryRun) {
              const plan = await planComposeTree(ctx, tf, opts);
              if (o.json) printJson(plan);
              else process.stdout.write(formatComposePlan(plan));
              return 0;
            }
            const r = await composeTree(ctx, tf, {
              ...opts,
              workBase: o.workdir,
              publish: o.publish ? resolve(o.publish) : undefined,
            });
            if (o.json) printJson(r);
            else process.stdout.write(`${r.commit}${r.unchanged ? ' (no changes)' : ''}\n`);
            return 0;
          }),
        );
      },
    );
  compose
    .command('diff')
    .description('packages added, removed, upgraded and downgraded between two commits')
    .argument('<from>', 'ref or commit')
    .argument('<to>', 'ref or commit')
    .requiredOption('--repo <dir>', 'OSTree repo holding both')
    .option('--json', 'print the diff as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  particle-os compose diff --repo build/repo debian/13/x86_64/minimal^ debian/13/x86_64/minimal',
    )
    .action(async (from: string, to: string, o: { repo: string; json?: boolean }) => {
      setExit(
        await runCommand('compose-diff', compose.optsWithGlobals<GlobalFlags>(), async (ctx) => {
          const d = await composeDiff(ctx, resolve(o.repo), from, to);
          if (o.json) printJson(d);
          else process.stdout.write(formatDiff(d));
          return 0;
        }),
      );
    });
}
