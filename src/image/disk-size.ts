/**
 * Disk sizing: by default room for twice the OS (updates need a second deployment's worth of
 * new objects), rounded up to whole GiB; a recipe's disk.size is rounded up to a whole MiB, and
 * one below what the OS needs is an error before anything is written.
 */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../core/errors.ts';
import { DEFAULT_SIZES, parseSize, type Recipe } from '../recipe/schema.ts';
import { alignUp, minimumDiskBytes, type PartitionPlan, planPartitions } from './partitions.ts';

const GiB = 2 ** 30;

export interface DiskIds {
  root: string;
  boot: string;
  disk: string;
  /** vfat volume id as XXXX-XXXX. */
  esp: string;
}

export function newDiskIds(): DiskIds {
  const vol = randomUUID().slice(0, 8).toUpperCase();
  return {
    root: randomUUID(),
    boot: randomUUID(),
    disk: randomUUID().toUpperCase(),
    esp: `${vol.slice(0, 4)}-${vol.slice(4)}`,
  };
}

/** A disk.size below what the OS needs (`minBytes`, a whole MiB): bad input, exit 2. */
export class DiskTooSmallError extends UsageError {
  constructor(
    message: string,
    readonly minBytes: number,
  ) {
    super(message);
  }
}

/** The smallest disk an OS of `osBytes` fits on: room for it and a fifth more (whole MiB). */
export function minimumDiskFor(osBytes: number): number {
  return minimumDiskBytes(osBytes * 1.2);
}

export function diskLayout(
  osBytes: number,
  recipe: Recipe,
  ids: DiskIds,
): { diskBytes: number; minBytes: number; partitions: PartitionPlan[] } {
  const comfortable = minimumDiskBytes(osBytes * 2);
  const minBytes = minimumDiskFor(osBytes);
  const requested = recipe.disk.size !== undefined ? parseSize(recipe.disk.size) : undefined;
  if (requested !== undefined && requested < minBytes) {
    throw new DiskTooSmallError(
      `${recipe.file}: disk.size ${recipe.disk.size} is too small: the OS needs ${Math.round(osBytes / 2 ** 20)} MiB, ` +
        `use at least ${Math.ceil(comfortable / GiB)}G`,
      minBytes,
    );
  }
  // Decimal sizes ("12 GB", "500 kB") need not be whole sectors: round up to a whole MiB.
  const diskBytes =
    requested !== undefined ? alignUp(requested) : Math.ceil(comfortable / GiB) * GiB;
  const uuidOf: Record<string, string | undefined> = {
    root: ids.root,
    boot: ids.boot,
    esp: ids.esp,
  };
  const partitions = planPartitions({
    ...DEFAULT_SIZES,
    diskBytes,
    rootFilesystem: recipe.disk.rootfs,
  }).map((p) => ({
    ...p,
    uuid: uuidOf[p.name],
  }));
  return { diskBytes, minBytes, partitions };
}
