/**
 * `install from-medium DIR`: what the installer ISO's live system runs at boot
 * (particle-os-installer.service). Reads the medium's particle-os/install.json (medium.ts),
 * picks the disk the recipe's `installer.device` names (auto: install-disk-choice.ts) and runs
 * install to-disk with the payload, the recipe and `installer.wipe`. Everything it reads is on
 * the medium; it needs no network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { loadRecipe } from '../recipe/load.ts';
import { type InstallResult, installToDisk } from './install.ts';
import {
  candidateDisks,
  chooseDisk,
  LSBLK_ARGV,
  noDiskMessage,
  parseLsblk,
} from './install-disk-choice.ts';
import { parseWipefs } from './install-target.ts';
import { MEDIUM_DIR, MEDIUM_FILE, type Medium, MediumSchema, PAYLOAD_TAG } from './medium.ts';

export interface FromMediumOptions {
  /** Where the medium is mounted (the live system: /run/initramfs/live). */
  medium: string;
  cacheDir: string;
  workBase?: string;
}

export interface FromMediumResult extends InstallResult {
  device: string;
}

/** The medium's install.json, checked; its paths resolved below the medium's directory. */
export function readMedium(medium: string): Medium & { dir: string } {
  const dir = join(medium, MEDIUM_DIR);
  const file = join(dir, MEDIUM_FILE);
  if (!existsSync(file))
    throw new UsageError(`${medium} is not an installer medium: ${file} does not exist`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: not JSON (${(e as Error).message})`);
  }
  const parsed = MediumSchema.safeParse(doc);
  if (!parsed.success)
    throw new UsageError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  return { ...parsed.data, dir };
}

export async function installFromMedium(
  ctx: Context,
  o: FromMediumOptions,
): Promise<FromMediumResult> {
  const m = readMedium(o.medium);
  const file = loadRecipe(join(m.dir, m.recipe));
  const recipe = { ...file, disk: { ...file.disk, rootfs: m.rootfs } };
  const installer = recipe.installer ?? { device: 'auto', wipe: false };
  const device =
    installer.device !== 'auto'
      ? installer.device
      : await step(ctx, 'choose the disk to install onto', async (sc) => {
          const disks = parseLsblk((await run(sc, LSBLK_ARGV)).stdout);
          const signatures: Record<string, string[]> = {};
          for (const d of candidateDisks(disks)) {
            const r = await run(sc, ['wipefs', '--no-act', '--json', d.path], { okCodes: [0, 1] });
            if (r.code === 0) signatures[d.path] = parseWipefs(r.stdout).map((x) => x.type);
          }
          const choice = chooseDisk(disks, m.minBytes, installer.wipe, signatures);
          for (const p of choice.passed) sc.reporter.info(`passed over ${p.path}: ${p.why}`);
          if (!choice.path) throw new UsageError(noDiskMessage(choice));
          return choice.path;
        });
  ctx.reporter.info(
    `installing ${relative(o.medium, join(m.dir, m.image))} from ${o.medium} onto ${device}${installer.wipe ? ' (wiping it)' : ''}`,
  );
  const r = await installToDisk(ctx, {
    target: device,
    image: { transport: 'oci', path: join(m.dir, m.image), tag: PAYLOAD_TAG },
    recipe,
    wipe: installer.wipe,
    cacheDir: o.cacheDir,
    workBase: o.workBase,
    targetImgref: m.targetImgref,
  });
  return { ...r, device };
}
