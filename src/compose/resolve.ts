/**
 * `compose tree --dry-run`: resolve the full package set against the real archive without
 * installing anything. mmdebstrap --simulate sets up apt for the suite (and fails on a package
 * that does not exist); apt then simulates the whole minbase + boot set + treefile install in
 * that skeleton, and apt-cache gives the download and installed sizes.
 */
import { join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { makeWorkDir } from '../core/workdir.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { packageSet } from './base-packages.ts';
import { mmdebstrapArgv } from './bootstrap.ts';

export interface ResolvedPackages {
  ref: string;
  suite: string;
  packages: { name: string; version: string }[];
  downloadBytes: number;
  installedBytes: number;
}

export async function resolvePackages(
  ctx: Context,
  tf: ResolvedTreefile,
  workBase?: string,
): Promise<ResolvedPackages> {
  const work = makeWorkDir(ctx, 'particle-os-resolve', workBase);
  const skeleton = join(work, 'skeleton');
  const requested = packageSet(tf.packages);
  return step(
    ctx,
    `resolve ${requested.length} packages + dependencies in Debian ${tf.suite}`,
    async (sc) => {
      const argv = mmdebstrapArgv({
        tf,
        packages: requested,
        target: skeleton,
        cacheDir: work,
        work,
        simulate: true,
      });
      const sim = await run(sc, [...argv.slice(0, 1), '--skip=cleanup/apt', ...argv.slice(1)], {
        okCodes: [0, 1, 25],
      });
      if (sim.code !== 0) {
        const missing = [
          ...sim.stderr.matchAll(
            /Unable to locate package (\S+)|Package '?([^' ]+)'? has no installation candidate/g,
          ),
        ].map((m) => (m[1] ?? m[2]) as string);
        if (missing.length) {
          throw new UsageError(
            `${tf.file}: no such package in Debian ${tf.suite}: ${[...new Set(missing)].join(', ')}`,
          );
        }
        throw new UsageError(
          `${tf.file}: the package set does not resolve in Debian ${tf.suite}:\n${sim.stderr.trim().split('\n').slice(-8).join('\n')}`,
        );
      }
      const aptOpts = [
        `-oDir=${skeleton}`,
        '-oDebug::NoLocking=true',
        `-oAPT::Install-Recommends=${tf.recommends ? 'true' : 'false'}`,
        '-oAcquire::Check-Valid-Until=false',
      ];
      const plan = await run(sc, [
        'apt-get',
        ...aptOpts,
        '--simulate',
        'install',
        '?essential',
        '?priority(required)',
        ...requested,
        ...tf.excludePackages.map((p) => `${p}-`),
      ]);
      const packages = [...plan.stdout.matchAll(/^Inst (\S+) \((\S+)/gm)].map((m) => ({
        name: m[1] as string,
        version: m[2] as string,
      }));
      const show = await run(sc, [
        'apt-cache',
        ...aptOpts,
        'show',
        ...packages.map((p) => `${p.name}=${p.version}`),
      ]);
      let downloadBytes = 0;
      let installedBytes = 0;
      for (const record of show.stdout.split('\n\n')) {
        downloadBytes += Number(record.match(/^Size: (\d+)/m)?.[1] ?? 0);
        installedBytes += Number(record.match(/^Installed-Size: (\d+)/m)?.[1] ?? 0) * 1024;
      }
      return { ref: tf.ref, suite: tf.suite, packages, downloadBytes, installedBytes };
    },
  );
}
