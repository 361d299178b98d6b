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

/** Console keymap names (kbd's, e.g. us, de-latin1, fr_CH): one word, no path. */
const KEYMAP_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** An NTP server: a host name or an IPv4/IPv6 address, nothing that could end the line. */
const NTP_SERVER_RE = /^[A-Za-z0-9][A-Za-z0-9.:-]*$/;

/**
 * `keyboard` as bootc-image-builder applies it: the console keymap in /etc/vconsole.conf,
 * which systemd-vconsole-setup loads at boot (with kbd's loadkeys, so the image needs `kbd`).
 */
function keymapFile(keymap: string): { path: string; content: string } {
  return { path: '/etc/vconsole.conf', content: `KEYMAP=${keymap}\n` };
}

/**
 * `ntpservers`: systemd-timesyncd's servers, in a drop-in so the image's timesyncd.conf stays
 * as packaged (it takes effect when the image has systemd-timesyncd).
 */
function timesyncdFile(servers: string[]): { path: string; content: string } {
  return {
    path: '/etc/systemd/timesyncd.conf.d/50-bootc-image-builder.conf',
    content: `[Time]\nNTP=${servers.join(' ')}\n`,
  };
}

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
  const locate = positionsIn(file, source);
  const bib = BibConfigSchema.safeParse(raw);
  if (!bib.success) {
    // Every unknown key of a table is its own issue, as in YAML inputs.
    throw new InputError(
      bib.error.issues.flatMap((iss) => {
        const base = iss.path as PropertyKey[];
        const paths = iss.code === 'unrecognized_keys' ? iss.keys.map((k) => [...base, k]) : [base];
        return paths.map((path) => ({
          file,
          ...locate(path),
          key: keyPath(path),
          message:
            iss.code === 'unrecognized_keys' ? `unknown key "${String(path.at(-1))}"` : iss.message,
        }));
      }),
    );
  }
  const c = bib.data.customizations;
  const issues: InputIssue[] = [];
  const issue = (path: PropertyKey[], message: string) =>
    issues.push({ file, ...locate(path), key: keyPath(path), message });
  const fsRoot = c.filesystem.find((f) => f.mountpoint === '/');
  for (const [i, f] of c.filesystem.entries())
    if (f.mountpoint !== '/')
      issue(
        ['customizations', 'filesystem', i, 'mountpoint'],
        `only "/" is supported, not ${f.mountpoint}`,
      );
  const languages = c.locale?.languages ?? [];
  if (languages.length > 1)
    issue(
      ['customizations', 'locale', 'languages'],
      'one language only: it becomes LANG; more locales need their packages in the treefile (locales-all)',
    );
  const keyboard = c.locale?.keyboard;
  if (keyboard !== undefined && !KEYMAP_RE.test(keyboard))
    issue(
      ['customizations', 'locale', 'keyboard'],
      'not a console keymap name like us or de-latin1',
    );
  const ntp = c.timezone?.ntpservers ?? [];
  for (const [i, server] of ntp.entries())
    if (!NTP_SERVER_RE.test(server))
      issue(['customizations', 'timezone', 'ntpservers', i], 'not a host name or address');
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
    locale: languages[0],
    files: [
      ...(keyboard === undefined ? [] : [keymapFile(keyboard)]),
      ...(ntp.length ? [timesyncdFile(ntp)] : []),
    ],
  };
  const r = RecipeSchema.safeParse(recipe);
  if (!r.success) {
    throw new InputError(
      r.error.issues.map((iss) => {
        const path = bibPathOf(iss.path as PropertyKey[]);
        return { file, ...locate(path), key: keyPath(path), message: iss.message };
      }),
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

/** Where the recipe's keys come from in a bootc-image-builder config (loadBibConfig's mapping). */
const BIB_SOURCE: Record<string, readonly PropertyKey[]> = {
  hostname: ['customizations', 'hostname'],
  kernel: ['customizations', 'kernel', 'append'],
  timezone: ['customizations', 'timezone', 'timezone'],
  locale: ['customizations', 'locale', 'languages'],
  disk: ['customizations', 'filesystem'],
};
const BIB_USER_KEY: Record<string, string> = { 'ssh-keys': 'key', admin: 'groups' };

/**
 * A recipe path → the config path it was read from (`users[0].ssh-keys` →
 * `customizations.user[0].key`), so an error names what the user wrote.
 */
function bibPathOf(path: readonly PropertyKey[]): PropertyKey[] {
  const [top, i, key] = path;
  if (top === 'users' && typeof i === 'number') {
    const k = typeof key === 'string' ? (BIB_USER_KEY[key] ?? key) : undefined;
    return ['customizations', 'user', i, ...(k ? [k] : [])];
  }
  return [...(BIB_SOURCE[String(top)] ?? ['customizations'])];
}

/** How a config file's keys are located: TOML by its structure, JSON by a text search. */
function positionsIn(
  file: string,
  source: string,
): (path: readonly PropertyKey[]) => { line: number; col: number } {
  if (file.toLowerCase().endsWith('.json')) return (path) => locateKey(source, path);
  const positions = tomlKeyPositions(source);
  return (path) => {
    // The key itself, else the nearest table or key holding it.
    for (let n = path.length; n > 0; n--) {
      const at = positions.get(keyPath(path.slice(0, n)));
      if (at) return at;
    }
    return { line: 1, col: 1 };
  };
}

/** One key of a TOML key path: bare, "basic" or 'literal'. */
const TOML_KEY_PART = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const TOML_KEYS = String.raw`${TOML_KEY_PART}(?:\s*\.\s*${TOML_KEY_PART})*`;
const TOML_HEADER = new RegExp(String.raw`^(\s*)(\[\[?)\s*(${TOML_KEYS})\s*\]`);
const TOML_ASSIGN = new RegExp(String.raw`^(\s*)(${TOML_KEYS})\s*=\s*(.*)$`);

/**
 * Where a TOML source sets each key and table, by key path as keyPath writes it
 * (`customizations.user[1].name` → line and column of that `name`). smol-toml gives no
 * positions, so the text is scanned: `[table]` and `[[array of tables]]` headers (counted, so
 * the second `[[customizations.user]]` is `customizations.user[1]`), and `key = value` lines
 * with bare, quoted or dotted keys. Multi-line strings are skipped; keys inside inline tables
 * are not listed (a lookup falls back to the key holding the table).
 */
export function tomlKeyPositions(source: string): Map<string, { line: number; col: number }> {
  const positions = new Map<string, { line: number; col: number }>();
  const counts = new Map<string, number>();
  const set = (path: PropertyKey[], line: number, col: number) => {
    const k = keyPath(path);
    if (!positions.has(k)) positions.set(k, { line, col });
  };
  let table: PropertyKey[] = [];
  let inString: string | undefined;
  for (const [i, text] of source.split('\n').entries()) {
    if (inString) {
      if (text.includes(inString)) inString = undefined;
      continue;
    }
    const header = text.match(TOML_HEADER);
    if (header) {
      const col = (header[1] as string).length + (header[2] as string).length + 1;
      table = withIndices(tomlKeyParts(header[3] as string), counts);
      if (header[2] === '[[') {
        const n = counts.get(keyPath(table)) ?? 0;
        counts.set(keyPath(table), n + 1);
        set(table, i + 1, col);
        table = [...table, n];
      }
      set(table, i + 1, col);
      continue;
    }
    const assign = text.match(TOML_ASSIGN);
    if (!assign) continue;
    set([...table, ...tomlKeyParts(assign[2] as string)], i + 1, (assign[1] as string).length + 1);
    const value = assign[3] as string;
    const opener = value.match(/^("""|''')/)?.[1];
    if (opener && !value.slice(3).includes(opener)) inString = opener;
  }
  return positions;
}

/** A header's path with the current index of each array of tables it lies inside. */
function withIndices(parts: string[], counts: Map<string, number>): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (const [i, p] of parts.entries()) {
    out.push(p);
    const n = counts.get(keyPath(out));
    if (n !== undefined && i < parts.length - 1) out.push(n - 1);
  }
  return out;
}

/** `a."b.c".d` → ['a', 'b.c', 'd']. */
function tomlKeyParts(keys: string): string[] {
  return [...keys.matchAll(new RegExp(TOML_KEY_PART, 'g'))].map((m) => {
    const k = m[0];
    if (k.startsWith("'")) return k.slice(1, -1);
    if (k.startsWith('"')) return JSON.parse(k) as string;
    return k;
  });
}

/** JSON, best effort: the first line assigning the last named key of `path`. */
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
