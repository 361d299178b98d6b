/**
 * Parse YAML with positions and turn zod validation problems into `file:line:col  key  message`
 * issues. Shared by every YAML input format (treefiles, recipes).
 */
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { InputIssue } from './errors.ts';
import { closest, objectKeysAt } from './suggest.ts';

export interface ParsedYaml {
  file: string;
  value: unknown;
  /**
   * Position of the node at `path` (falls back to the nearest existing parent); with `atKey`,
   * the position of the map key naming it rather than of its value.
   */
  positionOf(path: readonly PropertyKey[], atKey?: boolean): { line: number; col: number };
  issues: InputIssue[];
}

export function parseYamlFile(file: string, source: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const issues: InputIssue[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    return {
      file,
      line: pos.line,
      col: pos.col,
      key: '',
      // The position is already in the issue; drop the one the message repeats.
      message: `YAML: ${firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '')}`,
    };
  });
  const positionOf = (path: readonly PropertyKey[], atKey = false) => {
    if (atKey && path.length > 0) {
      const parent =
        path.length > 1 ? doc.getIn(path.slice(0, -1) as unknown[], true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find(
          (it) => isScalar(it.key) && it.key.value === path[path.length - 1],
        );
        if (pair && isScalar(pair.key) && pair.key.range)
          return lineCounter.linePos(pair.key.range[0]);
      }
    }
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) {
        return lineCounter.linePos(node.range[0]);
      }
    }
    return { line: 1, col: 1 };
  };
  return { file, value: issues.length ? undefined : doc.toJS(), positionOf, issues };
}

export function keyPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
    .join('');
}

/** Validate parsed YAML against a schema; all problems are collected as issues. */
export function validate<S extends z.ZodType>(
  parsed: ParsedYaml,
  schema: S,
): { data?: z.infer<S>; issues: InputIssue[] } {
  if (parsed.issues.length) return { issues: parsed.issues };
  const r = schema.safeParse(parsed.value ?? {});
  if (r.success) return { data: r.data, issues: [] };
  const issues = r.error.issues.flatMap((iss) => issuesOf(parsed, schema, iss));
  // In file order, as an editor shows them.
  return { issues: issues.sort((a, b) => a.line - b.line || a.col - b.col) };
}

/**
 * One zod issue as located issues. zod reports all unknown keys of a mapping as one issue at
 * the mapping; each becomes its own issue at the key, so a port from another tool needs one
 * run, not one per key.
 */
function issuesOf(parsed: ParsedYaml, schema: z.ZodType, iss: z.core.$ZodIssue): InputIssue[] {
  const path = iss.path as PropertyKey[];
  if (iss.code !== 'unrecognized_keys') {
    return [
      { file: parsed.file, ...parsed.positionOf(path), key: keyPath(path), message: iss.message },
    ];
  }
  const known = objectKeysAt(schema, path);
  return iss.keys.map((extra) => {
    const at = [...path, extra];
    const guess = closest(extra, known);
    const message = `unknown key "${extra}"${guess ? `; did you mean "${guess}"?` : ''}`;
    return { file: parsed.file, ...parsed.positionOf(at, true), key: keyPath(at), message };
  });
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
