/**
 * The treefile format (seed / apt-ostree dialect). One zod schema; the TypeScript type and the
 * JSON Schema for editors are derived from it.
 */
import { z } from 'zod';
import { SUITES } from './suites.ts';

/** OSTree ref: slash-separated components of letters, digits, `_`, `-`, `.`. */
export const RefSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/,
    'not a valid OSTree ref (letters, digits, "_", "-", "." in "/"-separated parts)',
  )
  .describe('OSTree branch the commit is stored under, e.g. debian/13/x86_64/minimal');

export const BaseSchema = z
  .string()
  .regex(/^debian:[a-z]+$/, 'must look like "debian:<suite>", e.g. debian:trixie')
  .refine((b) => b.slice('debian:'.length) in SUITES, {
    message: `unknown Debian suite; known: ${Object.keys(SUITES).join(', ')}`,
  })
  .describe(
    'A bootable atomic Debian of this suite: the tool adds kernel, systemd, ostree, dracut',
  );

const PackageName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9+.-]+$/, 'not a valid Debian package name')
  .describe('A Debian binary package name');

export const TreefileSchema = z
  .strictObject({
    ostree: z
      .strictObject({
        ref: RefSchema,
        repo: z
          .string()
          .min(1)
          .optional()
          .describe('OSTree repository to commit into; relative to the treefile (default: ./repo)'),
      })
      .describe('Where the composed tree is committed'),
    base: BaseSchema,
    packages: z.array(PackageName).default([]).describe('Packages installed on top of the base'),
    'kernel-args': z
      .array(z.string().min(1))
      .default([])
      .describe('Extra kernel command line arguments for every deployment of this tree'),
  })
  .describe('particle-os treefile: what goes into an OSTree commit of Debian');

export type Treefile = z.infer<typeof TreefileSchema>;
