import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { MAX_LAYERS } from '../container/chunking.ts';
import { buildContainer, lintImage } from '../container/index.ts';
import { COMPRESSIONS, type Compression } from '../container/layer.ts';
import { UsageError } from '../core/errors.ts';
import { requireTools } from '../core/host-tools.ts';
import { absoluteImageRef, parseImageRef } from '../core/image-ref.ts';
import { parseWholeNumber } from './flags.ts';

export function registerContainer(container: Command, setExit: (code: number) => void): void {
  container
    .command('build')
    .description('turn an OSTree commit into a bootc-compatible OCI image')
    .argument('<ref>', 'OSTree ref (or commit) to package')
    .requiredOption('--repo <dir>', 'OSTree repo holding the ref')
    .requiredOption('--output <image>', 'oci-archive:FILE or oci:DIR[:TAG]')
    .option('--workdir <dir>', 'where temporary files go (default: the system temp dir)')
    .option(
      '--max-layers <n>',
      `split the tree into at most N layers by Debian package (1: a single layer)`,
      String(MAX_LAYERS),
    )
    .option('--compression <alg>', `layer compression: ${COMPRESSIONS.join(' or ')}`, 'gzip')
    .option(
      '--source <url>',
      'org.opencontainers.image.source label (default: recorded by compose)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  particle-os container build --repo build/repo debian/13/x86_64/minimal --output oci-archive:build/minimal.ociarchive',
        '  particle-os container build --repo build/repo debian/13/x86_64/minimal --output docker://registry.example/debian-atomic:13 --compression zstd',
      ].join('\n'),
    )
    .action(
      async (
        ref: string,
        o: {
          repo: string;
          output: string;
          workdir?: string;
          maxLayers: string;
          compression: string;
          source?: string;
          json?: boolean;
        },
      ) => {
        setExit(
          await runCommand('container', container.optsWithGlobals<GlobalFlags>(), async (ctx) => {
            const output = parseImageRef(o.output);
            requireTools(['container']);
            const r = await buildContainer(ctx, {
              repo: resolve(o.repo),
              ref,
              output: absoluteImageRef(output),
              workBase: o.workdir,
              maxLayers: parseWholeNumber('--max-layers', o.maxLayers, 127),
              compression: parseCompression(o.compression),
              source: o.source,
            });
            if (o.json) printJson(r);
            else process.stdout.write(`${r.image} ${r.manifestDigest}\n`);
            return 0;
          }),
        );
      },
    );
  container
    .command('lint')
    .description(
      "check an image (or an unpacked tree) against bootc's image rules; exit 1 on a fatal finding",
    )
    .argument(
      '<image>',
      'oci-archive:FILE, oci:DIR[:TAG], docker://REF, an OCI layout dir or a root filesystem dir',
    )
    .option('--json', 'print the findings as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  particle-os container lint oci-archive:build/debian-minimal.ociarchive',
    )
    .action(async (image: string, o: { json?: boolean }) => {
      setExit(
        await runCommand('container', container.optsWithGlobals<GlobalFlags>(), async (ctx) => {
          const r = await lintImage(ctx, image);
          if (o.json) printJson(r);
          else {
            for (const f of r.findings)
              process.stdout.write(`${f.level.padEnd(7)} ${f.rule.padEnd(21)} ${f.message}\n`);
            process.stdout.write(`${r.fatal} fatal, ${r.warnings} warnings\n`);
          }
          return r.fatal ? 1 : 0;
        }),
      );
    });
}

function parseCompression(s: string): Compression {
  if (!(COMPRESSIONS as readonly string[]).includes(s))
    throw new UsageError(`--compression must be ${COMPRESSIONS.join(' or ')}, not ${s}`);
  return s as Compression;
}
