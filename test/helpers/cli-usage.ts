/**
 * Checks that particle-os command lines written in docs and CI templates still match the CLI:
 * every subcommand exists, every flag is one the subcommand (or the program) accepts, flags
 * that need a value get one, and the number of positional arguments fits the usage line.
 * The truth is the CLI's own `--help` output, so a renamed flag makes the docs' tests fail.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { scratchDir } from './scratch.ts';

const CLI = join(process.cwd(), 'bib/particle-os');

export interface CliCall {
  /** The (continuation-joined) source line, for messages. */
  line: string;
  /** Arguments after the particle-os token, unquoted. */
  args: string[];
}

interface OptionSpec {
  /** `<x>`: needs a value; `[x]`: takes the next argument if it is not a flag. */
  value: 'none' | 'required' | 'optional';
}

interface CommandHelp {
  options: Map<string, OptionSpec>;
  subcommands: string[];
  /** From the usage line: required positionals and whether the last is variadic. */
  positionals: { required: number; optional: number; variadic: boolean };
}

const OPERATORS = new Set(['|', '||', '&&', ';', '&', '(', ')']);

/** Split a shell line into words: quotes, `${{ … }}` expressions and operators kept whole. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  const flush = () => {
    if (inWord) words.push(cur);
    cur = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (line.startsWith('${{', i)) {
      const end = line.indexOf('}}', i);
      const stop = end < 0 ? line.length : end + 2;
      cur += line.slice(i, stop);
      inWord = true;
      i = stop - 1;
    } else if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      const stop = end < 0 ? line.length : end;
      cur += line.slice(i + 1, stop);
      inWord = true;
      i = stop;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[i + 1];
      inWord = true;
      i += 1;
    } else if (/\s/.test(c)) {
      flush();
    } else if (c === '#' && !inWord) {
      break;
    } else if ('|&;()<>'.includes(c)) {
      flush();
      // Redirections and operators end the command's arguments.
      const two = line.slice(i, i + 2);
      const op = ['||', '&&', '>>', '2>'].includes(two) ? two : c;
      words.push(op === '>>' || op === '2>' || op === '<' || op === '>' ? '>' : op);
      i += op.length - 1;
    } else {
      cur += c;
      inWord = true;
    }
  }
  flush();
  return words;
}

/** Every particle-os invocation in a shell script (one call per command, continuations joined). */
export function particleOsCalls(script: string): CliCall[] {
  const calls: CliCall[] = [];
  const lines = script.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines) {
    const words = shellWords(line);
    for (let i = 0; i < words.length; i++) {
      if (!/(^|\/)particle-os$/.test(words[i] as string)) continue;
      const args: string[] = [];
      let j = i + 1;
      for (; j < words.length; j++) {
        const w = words[j] as string;
        if (OPERATORS.has(w) || w === '>') break;
        args.push(w);
      }
      calls.push({ line: line.trim(), args });
      // What follows `--` (ssh NAME -- particle-os status) runs in the guest, not here.
      if (args.includes('--')) i = j - 1;
    }
  }
  return calls;
}

const helpCache = new Map<string, CommandHelp>();

function help(path: string[]): CommandHelp {
  const key = path.join(' ');
  const cached = helpCache.get(key);
  if (cached) return cached;
  const r = spawnSync(CLI, [...path, '--help'], {
    encoding: 'utf8',
    env: { ...process.env, XDG_STATE_HOME: scratchDir('help') },
  });
  if (r.status !== 0) throw new Error(`particle-os ${key} --help exited ${r.status}: ${r.stderr}`);
  const parsed = parseHelp(r.stdout);
  helpCache.set(key, parsed);
  return parsed;
}

/** Read commander's help text: option lines, command names, the usage line's arguments. */
export function parseHelp(text: string): CommandHelp {
  const options = new Map<string, OptionSpec>();
  const subcommands: string[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const header = line.match(/^(\w[\w ]*):/);
    if (header) section = header[1] as string;
    const opt = line.match(/^ {2}(?:(-\w), )?(--[\w-]+)(?: ([<[])[^>\]]*[>\]])?/);
    if (section === 'Options' && opt) {
      const spec: OptionSpec = {
        value: opt[3] === '<' ? 'required' : opt[3] === '[' ? 'optional' : 'none',
      };
      options.set(opt[2] as string, spec);
      if (opt[1]) options.set(opt[1], spec);
    }
    const cmd = line.match(/^ {2}([a-z][\w-]*)\b/);
    if (section === 'Commands' && cmd && cmd[1] !== 'help') subcommands.push(cmd[1] as string);
  }
  const usage = text.match(/^Usage: \S+(?: [a-z][\w-]*)* (?:\[options\] ?)?(?:\[command\])?(.*)$/m);
  const args = [...(usage?.[1] ?? '').matchAll(/([<[])([\w.-]+?)(\.\.\.)?[>\]]/g)];
  return {
    options,
    subcommands,
    positionals: {
      required: args.filter((a) => a[1] === '<').length,
      optional: args.filter((a) => a[1] === '[').length,
      variadic: args.some((a) => a[3] === '...'),
    },
  };
}

export interface CallAnalysis {
  /** The subcommand path, e.g. ['compose', 'tree']. */
  path: string[];
  /** Option names used (global ones included). */
  flags: string[];
  /** What the CLI would reject; empty when it accepts the call's shape. */
  problems: string[];
}

/** Check one call against the CLI's help: subcommands, options, values, argument count. */
export function analyzeCall(call: CliCall): CallAnalysis {
  const problems: string[] = [];
  const flags: string[] = [];
  const global = help([]);
  const path: string[] = [];
  let spec = global;
  const rest = [...call.args];
  const done = () => ({ path, flags, problems });
  // Global options may come before the subcommand.
  while (rest[0]?.startsWith('-')) {
    const word = rest.shift() as string;
    const name = word.split('=')[0] as string;
    flags.push(name);
    const g = global.options.get(name);
    if (!g) problems.push(`unknown global option ${name}`);
    else if (g.value === 'required' && !word.includes('=')) rest.shift();
  }
  while (spec.subcommands.length && rest.length) {
    const sub = rest.shift() as string;
    if (!spec.subcommands.includes(sub)) {
      problems.push(`unknown command "${[...path, sub].join(' ')}"`);
      return done();
    }
    path.push(sub);
    spec = help(path);
  }
  const where = path.join(' ');
  if (spec.subcommands.length) {
    problems.push(`"${where || 'particle-os'}" needs one of: ${spec.subcommands.join(', ')}`);
    return done();
  }
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] as string;
    if (w === '--') {
      // Everything after `--` is an argument (particle-os ssh NAME -- COMMAND…).
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (!w.startsWith('-') || w === '-') {
      positionals.push(w);
      continue;
    }
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    flags.push(name);
    const o = spec.options.get(name) ?? global.options.get(name);
    if (!o) {
      problems.push(`${where}: unknown option ${name}`);
      continue;
    }
    if (eq >= 0) continue;
    const next = rest[i + 1];
    if (o.value === 'required') {
      if (next === undefined) problems.push(`${where}: ${name} needs a value`);
      i += 1;
    } else if (o.value === 'optional' && next !== undefined && !next.startsWith('-')) {
      i += 1;
    }
  }
  const { required, optional, variadic } = spec.positionals;
  if (positionals.length < required)
    problems.push(`${where}: expects ${required} argument(s), got ${positionals.length}`);
  if (!variadic && positionals.length > required + optional)
    problems.push(`${where}: too many arguments: ${positionals.join(' ')}`);
  return done();
}
