/**
 * The image recipe (`recipes/*.yml`): how the disk built from a bootc image looks.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { InputError, UsageError } from '../core/errors.ts';
import { parseYamlFile, validate } from '../core/yaml-issues.ts';

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(B|K|KiB|M|MiB|G|GiB|T|TiB)?$/;
const UNITS: Record<string, number> = {
  B: 1,
  K: 2 ** 10,
  KiB: 2 ** 10,
  M: 2 ** 20,
  MiB: 2 ** 20,
  G: 2 ** 30,
  GiB: 2 ** 30,
  T: 2 ** 40,
  TiB: 2 ** 40,
};

export function parseSize(s: string | number): number {
  if (typeof s === 'number') return s;
  const m = s.trim().match(SIZE_RE);
  if (!m) throw new Error(`not a size: ${s}`);
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 'B'] ?? 1));
}

const Size = z
  .union([
    z.number().int().positive(),
    z.string().regex(SIZE_RE, 'expected a size like 4G, 4096M or 10GiB'),
  ])
  .describe('Size in bytes or with a unit: K, M, G, T (binary)');

export const RecipeSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_", "-" only')
      .describe('Base name of the output files'),
    hostname: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'not a valid hostname')
      .optional()
      .describe('Static hostname written to /etc/hostname of the deployment'),
    disk: z
      .strictObject({
        size: Size.optional().describe('Whole disk size; default: room for twice the OS'),
      })
      .default({})
      .describe('Disk layout'),
    kernel: z
      .strictObject({
        append: z.array(z.string().min(1)).default([]).describe('Extra kernel arguments'),
      })
      .default({ append: [] })
      .describe('Kernel command line'),
  })
  .describe('particle-os image recipe: how the disk image is laid out and configured');

export type Recipe = z.infer<typeof RecipeSchema> & { file: string };

export function loadRecipe(path: string): Recipe {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read recipe ${path}: ${(e as Error).message}`);
  }
  const { data, issues } = validate(parseYamlFile(path, source), RecipeSchema);
  if (!data) throw new InputError(issues);
  return { ...data, file: resolve(path) };
}
