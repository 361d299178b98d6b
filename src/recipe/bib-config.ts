/**
 * bootc-image-builder's `config.toml` / `config.json` customizations, accepted as a recipe so
 * its users can bring their existing configs: users (name, password, key, groups), kernel
 * append (one command line, split as the kernel splits it), the root filesystem's minimum size, hostname, timezone, locale. `wheel` (Fedora's
 * admin group) maps to `admin: true` (Debian's sudo group).
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { InputError, type InputIssue } from '../core/errors.ts';
import { kernelCommandLine } from '../core/values.ts';
import { keyPath } from '../core/yaml-issues.ts';
import { DEFAULT_SIZES, parseSize, type Recipe, RecipeSchema, SizeSchema } from './schema.ts';

export const BibConfigSchema = z.strictObject({
  customizations: z
    .strictObject({
      hostname: z.string().optional(),
      user: z
        .array(
          z.strictObject({
            name: z.string(),
            password: z.string().optional(),
            key: z.string().optional(),
            groups: z.array(z.string()).default([]),
          }),
        )
        .default([]),
      kernel: z
        .strictObject({
          append: kernelCommandLine().default([]),
        })
        .optional(),
      filesystem: z
        .array(z.strictObject({ mountpoint: z.string(), minsize: SizeSchema }))
        .default([]),
      timezone: z
        .strictObject({
          timezone: z.string().optional(),
          ntpservers: z.array(z.string()).optional(),
        })
        .optional(),
      locale: z
        .strictObject({
          languages: z.array(z.string()).default([]),
          keyboard: z.string().optional(),
        })
        .optional(),
    })
    .default({ user: [], filesystem: [] }),
});

export function isBibConfig(path: string): boolean {
  return /\.(toml|json)$/i.test(path);
}

export function loadBibConfig(file: string, source: string): Recipe {
  let raw: unknown;
  try {
    raw = file.toLowerCase().endsWith('.json') ? JSON.parse(source) : parseToml(source);
  } catch (e) {
    throw new InputError([
      {
        file,
        ...parsePosition(e, source),
        key: '',
        message: `syntax: ${firstLine((e as Error).message)}`,
      },
    ]);
  }
  const bib = BibConfigSchema.safeParse(raw);
  if (!bib.success) {
    // Every unknown key of a table is its own issue, as in YAML inputs.
    throw new InputError(
      bib.error.issues.flatMap((iss) => {
        const base = iss.path as PropertyKey[];
        const paths = iss.code === 'unrecognized_keys' ? iss.keys.map((k) => [...base, k]) : [base];
        return paths.map((path) => ({
          file,
          ...locateKey(source, path),
          key: keyPath(path),
          message:
            iss.code === 'unrecognized_keys' ? `unknown key "${String(path.at(-1))}"` : iss.message,
        }));
      }),
    );
  }
  const c = bib.data.customizations;
  const issues: InputIssue[] = [];
  const fsRoot = c.filesystem.find((f) => f.mountpoint === '/');
  for (const f of c.filesystem.filter((x) => x.mountpoint !== '/')) {
    issues.push({
      file,
      ...locateKey(source, ['mountpoint']),
      key: 'customizations.filesystem',
      message: `only "/" is supported, not ${f.mountpoint}`,
    });
  }
  if (issues.length) throw new InputError(issues);
  const rootMin = fsRoot ? parseSize(fsRoot.minsize) : undefined;
  const recipe = {
    name: 'disk',
    hostname: c.hostname,
    disk: {
      rootfs: 'ext4' as const,
      ...(rootMin
        ? { size: rootMin + DEFAULT_SIZES.espBytes + DEFAULT_SIZES.bootBytes + 4 * 2 ** 20 }
        : {}),
    },
    kernel: { append: c.kernel?.append ?? [] },
    users: c.user.map((u) => ({
      name: u.name,
      password: u.password,
      'ssh-keys': u.key ? u.key.split('\n').filter(Boolean) : [],
      groups: u.groups.filter((g) => g !== 'wheel'),
      admin: u.groups.includes('wheel'),
    })),
    timezone: c.timezone?.timezone,
    locale: c.locale?.languages[0],
  };
  const r = RecipeSchema.safeParse(recipe);
  if (!r.success) {
    throw new InputError(
      r.error.issues.map((iss) => ({
        file,
        line: 1,
        col: 1,
        key: keyPath(iss.path as PropertyKey[]),
        message: iss.message,
      })),
    );
  }
  return { ...r.data, file };
}

/** Line/column of a TOML or JSON syntax error. */
function parsePosition(e: unknown, source: string): { line: number; col: number } {
  if (e instanceof TomlError) return { line: e.line, col: e.column };
  const m = String((e as Error).message).match(/position (\d+)/);
  if (!m) return { line: 1, col: 1 };
  const before = source.slice(0, Number(m[1])).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

/** Best effort: the first line assigning the last named key of `path`. */
function locateKey(source: string, path: readonly PropertyKey[]): { line: number; col: number } {
  const key = [...path].reverse().find((p) => typeof p === 'string') as string | undefined;
  if (!key) return { line: 1, col: 1 };
  const lines = source.split('\n');
  const re = new RegExp(`^\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*[=:]`);
  const i = lines.findIndex((l) => re.test(l));
  return i >= 0 ? { line: i + 1, col: (lines[i]?.search(/\S/) ?? 0) + 1 } : { line: 1, col: 1 };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
