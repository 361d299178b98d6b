/**
 * The on-device client as a Debian package (`particle-os-client`, Architecture: all), built from
 * `client/` in this repository with dpkg-deb, so dpkg owns its files: `dpkg -S`, `compose diff`
 * and the chunked layers see it like any other package. It runs on what the image's suite
 * packages (bash, ostree, curl, jq); see docs/client.md.
 *
 * The package is reproducible: file order, owners (root) and times (SOURCE_DATE_EPOCH, else a
 * fixed 2026-01-01) are fixed, so the same sources give the same .deb and the same tree. The
 * staging tree is written through core/tree.ts like every tree.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { sourceDateEpoch } from '../core/epoch.ts';
import { projectPath, projectVersion } from '../core/project.ts';
import { run } from '../core/run.ts';
import { Tree, walkDir } from '../core/tree.ts';

export const CLIENT_PACKAGE = 'particle-os-client';

/** What the client runs on the device (all in Debian since bookworm). */
export const CLIENT_DEPENDS = ['bash', 'ostree', 'curl', 'jq', 'util-linux'] as const;

/** The client's sources in this repository. */
export const CLIENT_SOURCE = projectPath('client');

/** 2026-01-01: file times when SOURCE_DATE_EPOCH is not set. */
const DEFAULT_EPOCH = 1767225600;

/** Where each part of client/ goes on the device, with its mode. */
const INSTALL: { from: string; to: string; mode: number }[] = [
  { from: 'bin', to: 'usr/bin', mode: 0o755 },
  { from: 'lib', to: 'usr/lib/particle-os', mode: 0o644 },
  { from: 'systemd', to: 'usr/lib/systemd/system', mode: 0o644 },
  { from: 'generators', to: 'usr/lib/systemd/system-generators', mode: 0o755 },
];

/** The package version: the tool's version and the first 10 hex digits of the sources' digest. */
export function clientVersion(source = CLIENT_SOURCE): string {
  const version = projectVersion();
  return `${version}+${clientDigest(source).slice(0, 10)}`;
}

/** sha256 over the client's files (path and content, sorted): it changes when the client does. */
export function clientDigest(source = CLIENT_SOURCE): string {
  const h = createHash('sha256');
  for (const e of walkDir(source).sort((a, b) => (a.path < b.path ? -1 : 1)))
    if (e.stats.isFile()) h.update(`${e.path}\0`).update(readFileSync(join(source, e.path)));
  return h.digest('hex');
}

/** DEBIAN/control of the package. */
export function controlFile(version: string, installedKiB: number): string {
  return [
    `Package: ${CLIENT_PACKAGE}`,
    `Version: ${version}`,
    'Architecture: all',
    'Maintainer: particle-os <particle-os@localhost>',
    `Depends: ${CLIENT_DEPENDS.join(', ')}`,
    'Section: admin',
    'Priority: optional',
    `Installed-Size: ${installedKiB}`,
    'Description: Debian Atomic client: status, upgrade, switch and rollback',
    ' Keeps an image-based Debian current from its bootc container image: each image',
    ' layer is imported into the OSTree repo once, updates are staged deployments.',
    '',
  ].join('\n');
}

/**
 * Build the .deb from `source` into `outDir`; returns its path. Runs dpkg-deb (the runner logs
 * it in the step's log).
 */
export async function buildClientPackage(
  sc: StepContext,
  outDir: string,
  source = CLIENT_SOURCE,
): Promise<string> {
  const version = clientVersion(source);
  const epoch = sourceDateEpoch() ?? DEFAULT_EPOCH;
  const stage = join(outDir, `${CLIENT_PACKAGE}-root`);
  mkdirSync(stage, { recursive: true });
  const tree = new Tree(stage);
  let bytes = 0;
  for (const part of INSTALL) {
    tree.mkdir(part.to);
    for (const name of readdirSync(join(source, part.from)).sort()) {
      let content = readFileSync(join(source, part.from, name));
      if (part.from === 'bin')
        content = Buffer.from(content.toString('utf8').replaceAll('@VERSION@', version));
      tree.write(`${part.to}/${name}`, content, part.mode);
      bytes += content.length;
    }
  }
  tree.mkdir('DEBIAN');
  tree.write('DEBIAN/control', controlFile(version, Math.ceil(bytes / 1024)));
  for (const e of walkDir(stage)) utimesSync(join(stage, e.path), epoch, epoch);
  utimesSync(stage, epoch, epoch);
  const deb = join(outDir, `${CLIENT_PACKAGE}_${version}_all.deb`);
  await run(sc, ['dpkg-deb', '--root-owner-group', '-Zgzip', '--build', stage, deb], {
    env: { SOURCE_DATE_EPOCH: String(epoch) },
  });
  return deb;
}
