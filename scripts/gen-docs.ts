/**
 * Writes docs/treefile.md and docs/recipe.md from the JSON Schemas of the zod schemas (the same
 * ones `particle-os schema` prints), the hand-written templates in scripts/doc-templates/ and
 * the key table in scripts/doc-equivalents.ts. `--check` writes nothing and exits 1 when the
 * committed files are stale or a key is undocumented, so CI keeps docs and schemas in step.
 *
 *   npx tsx scripts/gen-docs.ts           regenerate
 *   npx tsx scripts/gen-docs.ts --check   verify (CI)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BibConfigSchema, loadBibConfig } from '../src/recipe/bib-config.ts';
import { SCHEMAS, schemaJson } from '../src/schemas.ts';
import { BIB_KEYS, type KeyDoc, RECIPE_KEYS, TREEFILE_KEYS } from './doc-equivalents.ts';
import {
  bibKeyRows,
  bibOutcome,
  outcomeText,
  RPM_OSTREE_KEYS,
  rpmOstreeOutcome,
} from './peer-keys.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
}

export interface KeyInfo {
  /** Dotted path; `[]` marks the items of a list: `users[].ssh-keys`. */
  path: string;
  schema: JsonSchema;
  required: boolean;
}

/** Every key a document may hold, parents before children, in schema order. */
export function keyPaths(root: JsonSchema): KeyInfo[] {
  const out: KeyInfo[] = [];
  const seen = new Set<string>();
  const walkObject = (node: JsonSchema, prefix: string) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (!seen.has(path)) {
        seen.add(path);
        out.push({ path, schema: child, required: node.required?.includes(name) ?? false });
      }
      descend(child, path);
    }
  };
  const descend = (node: JsonSchema, path: string) => {
    if (node.properties) walkObject(node, path);
    if (node.items) descend(node.items, `${path}[]`);
    for (const branch of node.anyOf ?? []) descend(branch, path);
    if (typeof node.additionalProperties === 'object')
      descend(node.additionalProperties, `${path}.<name>`);
  };
  walkObject(root, '');
  return out;
}

/** A compact, TypeScript-like type: `string[]`, `integer | string`, `"ext4" | "xfs"`. */
export function typeText(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(typeText).join(' | ');
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.type)) return s.type.join(' | ');
  switch (s.type) {
    case 'array':
      if (s.prefixItems) return `[${s.prefixItems.map(typeText).join(', ')}]`;
      if (!s.items) return 'list';
      return s.items.anyOf || s.items.enum ? `(${typeText(s.items)})[]` : `${typeText(s.items)}[]`;
    case 'object':
      if (s.properties) return 'object';
      if (typeof s.additionalProperties === 'object')
        return `map of name → (${typeText(s.additionalProperties)})`;
      return 'object';
    case 'string':
      return s.format === 'uri' ? 'string (URL)' : 'string';
    case undefined:
      return 'any';
    default:
      return s.type;
  }
}

function defaultText(k: KeyInfo, doc: KeyDoc | undefined): string {
  if (k.schema.default !== undefined) return `\`${JSON.stringify(k.schema.default)}\``;
  if (doc?.default) return doc.default;
  return k.required ? 'none (required)' : 'unset';
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Descriptions are plain text: keep `<prefix>` from turning into an HTML tag. */
const prose = (s: string) => s.replace(/</g, '\\<');
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Does the parsed example set `path` (following the first item of lists)? */
export function setsPath(doc: unknown, path: string): boolean {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    const list = part.endsWith('[]');
    const name = list ? part.slice(0, -2) : part;
    if (name === '<name>') {
      const values = cur && typeof cur === 'object' ? Object.values(cur) : [];
      if (!values.length) return false;
      cur = values[0];
    } else {
      if (!cur || typeof cur !== 'object' || !(name in cur)) return false;
      cur = (cur as Record<string, unknown>)[name];
    }
    if (list) {
      if (!Array.isArray(cur) || cur.length === 0) return false;
      cur = cur[0];
    }
  }
  return true;
}

export interface Format {
  name: 'treefile' | 'recipe';
  title: string;
  peer: string;
  keys: Record<string, KeyDoc>;
  /** Wrap an example into a whole document the schema must accept. */
  document: (example: Record<string, unknown>) => unknown;
}

export const FORMATS: Format[] = [
  {
    name: 'treefile',
    title: 'Treefile keys',
    peer: 'rpm-ostree treefile',
    keys: TREEFILE_KEYS,
    document: (e) => e,
  },
  {
    name: 'recipe',
    title: 'Recipe keys',
    peer: 'bootc-image-builder',
    keys: RECIPE_KEYS,
    document: (e) => ({ name: 'example', ...e }),
  },
];

export function jsonSchemaOf(format: Format['name']): JsonSchema {
  return JSON.parse(schemaJson(format)) as JsonSchema;
}

/** Problems that make the docs incomplete or wrong; each is one line. */
export function checkKeys(f: Format, keys: KeyInfo[]): string[] {
  const problems: string[] = [];
  const paths = new Set(keys.map((k) => k.path));
  const table = `scripts/doc-equivalents.ts (${f.name})`;
  for (const k of keys) {
    const doc = f.keys[k.path];
    if (!doc) {
      problems.push(`${f.name} key ${k.path} is undocumented: add it to ${table}`);
      continue;
    }
    if (!k.schema.description)
      problems.push(`${f.name} key ${k.path} has no .describe() in its zod schema`);
    if (doc.default && k.schema.default !== undefined)
      problems.push(`${table}: ${k.path}: the schema declares the default, drop "default"`);
    const groupsOthers = !!k.schema.properties;
    if (!doc.example) {
      if (!groupsOthers) problems.push(`${table}: ${k.path} needs an example`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(doc.example);
    } catch (e) {
      problems.push(`${table}: ${k.path}: example is not YAML: ${(e as Error).message}`);
      continue;
    }
    if (!setsPath(parsed, k.path))
      problems.push(`${table}: ${k.path}: the example does not set ${k.path}`);
    const r = SCHEMAS[f.name].safeParse(f.document(parsed as Record<string, unknown>));
    if (!r.success)
      problems.push(
        `${table}: ${k.path}: example rejected by the schema: ${z.prettifyError(r.error)}`,
      );
  }
  for (const path of Object.keys(f.keys)) {
    if (!paths.has(path)) problems.push(`${table}: ${path} is not a ${f.name} key (any more)`);
  }
  return problems;
}

export function renderKeys(f: Format, keys: KeyInfo[]): string {
  const heading = (k: KeyInfo) => `\`${k.path}\``;
  const index = [
    '| key | type | default | description |',
    '|---|---|---|---|',
    ...keys.map(
      (k) =>
        `| [\`${k.path}\`](#${anchor(heading(k))}) | ${cell(`\`${typeText(k.schema)}\``)} | ${cell(defaultText(k, f.keys[k.path]))} | ${cell(prose(k.schema.description ?? ''))} |`,
    ),
  ];
  const sections = keys.map((k) => {
    const doc = f.keys[k.path];
    const lines = [
      `### ${heading(k)}`,
      '',
      prose(k.schema.description ?? ''),
      '',
      `- type: \`${typeText(k.schema)}\``,
      `- default: ${defaultText(k, doc)}`,
      `- ${f.peer}: ${doc?.equivalent ?? '—'}`,
      '',
    ];
    if (doc?.example) lines.push('```yaml', doc.example, '```', '');
    else lines.push('Set through the keys below.', '');
    return lines.join('\n');
  });
  return [`## ${f.title}`, '', ...index, '', ...sections].join('\n').trimEnd();
}

function bibKeys(): KeyInfo[] {
  const schema = z.toJSONSchema(BibConfigSchema, { io: 'input', unrepresentable: 'any' });
  return keyPaths(schema as JsonSchema);
}

export function checkBib(keys: KeyInfo[], recipeKeys: KeyInfo[]): string[] {
  const problems: string[] = [];
  const paths = new Set(keys.map((k) => k.path));
  const recipePaths = new Set(recipeKeys.map((k) => k.path));
  for (const k of keys) {
    if (!BIB_KEYS[k.path])
      problems.push(`config.toml key ${k.path} is undocumented: add it to BIB_KEYS`);
  }
  for (const [path, m] of Object.entries(BIB_KEYS)) {
    if (!paths.has(path))
      problems.push(`BIB_KEYS: ${path} is not read from config.toml (any more)`);
    if (m.recipe !== '—' && !recipePaths.has(m.recipe))
      problems.push(`BIB_KEYS: ${path} maps to ${m.recipe}, which is not a recipe key`);
  }
  return problems;
}

function renderBib(keys: KeyInfo[]): string {
  return [
    '| config.toml key | type | recipe key | notes |',
    '|---|---|---|---|',
    ...keys.map((k) => {
      const m = BIB_KEYS[k.path];
      const recipe =
        !m || m.recipe === '—' ? '—' : `[\`${m.recipe}\`](#${anchor(`\`${m.recipe}\``)})`;
      return `| \`${k.path}\` | ${cell(`\`${typeText(k.schema)}\``)} | ${recipe} | ${cell(m?.note ?? '')} |`;
    }),
  ].join('\n');
}

/** A link to the section of one of our keys. */
const keyLink = (key: string) => `[\`${key}\`](#${anchor(`\`${key}\``)})`;

/** The peers' keys (scripts/peer-keys.ts) and what each does here, as a table. */
function renderPeerKeys(
  peer: string,
  rows: { key: string; outcome: ReturnType<typeof bibOutcome> }[],
  problems: string[],
): string {
  const counts = { implemented: 0, warned: 0, refused: 0 };
  const lines = rows.map(({ key, outcome }) => {
    if (!outcome) {
      problems.push(`scripts/peer-keys.ts: ${peer} key ${key}: no table says what happens to it`);
      return `| \`${key}\` | — |`;
    }
    counts[outcome.kind] += 1;
    return `| \`${key}\` | ${cell(outcomeText(outcome, keyLink))} |`;
  });
  return [
    `${rows.length} keys: ${counts.implemented} implemented, ${counts.warned} warned, ${counts.refused} refused.`,
    '',
    `| ${peer} key | particle-os |`,
    '|---|---|',
    ...lines,
  ].join('\n');
}

/**
 * The templates' own examples must load too: ```yaml blocks against the format's schema,
 * ```toml blocks (recipe.md) as a bootc-image-builder config.
 */
function checkTemplateExamples(f: Format, template: string, file: string): string[] {
  const problems: string[] = [];
  for (const m of template.matchAll(/^```(yaml|toml)\n([\s\S]*?)^```$/gm)) {
    const [, lang, body] = m as unknown as [string, string, string];
    try {
      if (lang === 'toml') loadBibConfig(join(ROOT, 'example.toml'), body);
      else {
        const r = SCHEMAS[f.name].safeParse(f.document(parseYaml(body) as Record<string, unknown>));
        if (!r.success) throw new Error(z.prettifyError(r.error));
      }
    } catch (e) {
      problems.push(`${file}: a ${lang} example is rejected: ${(e as Error).message}`);
    }
  }
  return problems;
}

export interface Generated {
  files: { path: string; content: string }[];
  problems: string[];
}

/** Build both documents in memory; nothing is written. */
export function generate(): Generated {
  const problems: string[] = [];
  const files: Generated['files'] = [];
  const recipeKeys = keyPaths(jsonSchemaOf('recipe'));
  for (const f of FORMATS) {
    const keys = f.name === 'recipe' ? recipeKeys : keyPaths(jsonSchemaOf(f.name));
    const templateFile = `scripts/doc-templates/${f.name}.md`;
    const template = readFileSync(join(ROOT, templateFile), 'utf8');
    problems.push(...checkKeys(f, keys), ...checkTemplateExamples(f, template, templateFile));
    let content = template.replace('{{keys}}', renderKeys(f, keys));
    if (f.name === 'recipe') {
      const bib = bibKeys();
      problems.push(...checkBib(bib, recipeKeys));
      content = content.replace('{{bib-keys}}', renderBib(bib));
      const rows = bibKeyRows().map((r) => ({ key: r.key, outcome: bibOutcome(r.key) }));
      content = content.replace(
        '{{bib-customizations}}',
        renderPeerKeys('bootc-image-builder', rows, problems),
      );
    } else {
      const rows = RPM_OSTREE_KEYS.map((r) => ({ key: r.key, outcome: rpmOstreeOutcome(r) }));
      content = content.replace(
        '{{rpm-ostree-keys}}',
        renderPeerKeys('rpm-ostree', rows, problems),
      );
    }
    const banner = `<!-- Generated by scripts/gen-docs.ts from the zod schemas, ${templateFile}, scripts/doc-equivalents.ts and scripts/peer-keys.ts. Edit those, then run: npx tsx scripts/gen-docs.ts -->\n\n`;
    files.push({ path: `docs/${f.name}.md`, content: `${banner}${content.trimEnd()}\n` });
  }
  return { files, problems };
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const { files, problems } = generate();
  for (const p of problems) process.stderr.write(`gen-docs: ${p}\n`);
  if (problems.length) return 1;
  let stale = 0;
  for (const f of files) {
    const target = join(ROOT, f.path);
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing: stale
    }
    if (current === f.content) continue;
    if (!check) {
      writeFileSync(target, f.content);
      process.stdout.write(`wrote ${f.path}\n`);
      continue;
    }
    stale += 1;
    const fresh = join(mkdtempSync(join(tmpdir(), 'gen-docs-')), 'generated.md');
    writeFileSync(fresh, f.content);
    const diff = spawnSync('diff', ['-u', target, fresh], { encoding: 'utf8' });
    const lines = (diff.stdout || diff.stderr || '').split('\n');
    process.stderr.write(
      `${f.path} is stale: run npx tsx scripts/gen-docs.ts and commit the result\n${lines.slice(0, 40).join('\n')}${lines.length > 40 ? '\n…' : ''}\n`,
    );
  }
  return stale ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2));
}
