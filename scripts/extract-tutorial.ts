/**
 * Prints the ```sh blocks of docs/tutorial.md (or the Markdown file given) as one shell
 * script, in order, so the tutorial can be run exactly as a reader would copy it:
 *
 *   npx tsx scripts/extract-tutorial.ts > tutorial.sh && bash tutorial.sh
 *
 * Only blocks fenced as `sh` are taken; `console` and `text` blocks (commands inside the VM,
 * sample output) are left out on purpose.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ShellBlock {
  /** 1-based line of the opening fence, for messages and the script's comments. */
  line: number;
  code: string;
}

export function shellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  let open: { line: number; lang: string; body: string[] } | undefined;
  for (const [i, l] of lines.entries()) {
    if (!open) {
      const m = l.match(/^```(\S*)\s*$/);
      if (m) open = { line: i + 1, lang: m[1] ?? '', body: [] };
    } else if (/^```\s*$/.test(l)) {
      if (open.lang === 'sh') blocks.push({ line: open.line, code: open.body.join('\n') });
      open = undefined;
    } else {
      open.body.push(l);
    }
  }
  if (open) throw new Error(`unclosed code fence opened at line ${open.line}`);
  return blocks;
}

/** The blocks as one script that stops at the first failing command. */
export function tutorialScript(markdown: string, source = 'docs/tutorial.md'): string {
  const parts = shellBlocks(markdown).map((b) => `# ${source}:${b.line}\n${b.code}\n`);
  return [
    '#!/bin/bash',
    `# Extracted from ${source} by scripts/extract-tutorial.ts.`,
    'set -eu',
    '',
    ...parts,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2] ?? fileURLToPath(new URL('../docs/tutorial.md', import.meta.url));
  process.stdout.write(
    tutorialScript(readFileSync(file, 'utf8'), process.argv[2] ?? 'docs/tutorial.md'),
  );
}
