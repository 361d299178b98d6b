/**
 * The installer medium's own file, `particle-os/install.json` on the ISO: what the live
 * system's installer (`install from-medium`) installs, written by `build --type iso`. One
 * schema for both sides; paths in it are relative to the `particle-os/` directory of the
 * medium and may not leave it.
 */
import { z } from 'zod';
import { ROOT_FILESYSTEMS } from '../recipe/schema.ts';

/** The directory on the medium that holds the payload, the recipe and this file. */
export const MEDIUM_DIR = 'particle-os';
export const MEDIUM_FILE = 'install.json';
/** The payload's name in its OCI layout (oci:DIR:payload). */
export const PAYLOAD_TAG = 'payload';

/** A path below the medium's particle-os/ directory: no absolute path, no "..". */
const InsidePath = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'a relative path of plain names')
  .refine((p) => !p.split('/').includes('..'), 'may not leave the medium');

export const MediumSchema = z.strictObject({
  /** The payload: an OCI image layout holding exactly one bootc image. */
  image: InsidePath,
  /** The recipe file as the ISO build was given it (YAML or bootc-image-builder TOML). */
  recipe: InsidePath,
  /** The image the installed system follows (build --target-imgref), if not the payload. */
  targetImgref: z.string().optional(),
  /** The smallest disk the image fits on, from the build's estimate (bytes). */
  minBytes: z.number().int().positive(),
  /** The root filesystem, as build decided it (`--rootfs` wins over the recipe file). */
  rootfs: z.enum(ROOT_FILESYSTEMS),
});

export type Medium = z.infer<typeof MediumSchema>;
