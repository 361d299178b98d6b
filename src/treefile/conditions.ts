/**
 * rpm-ostree's `conditional-include` conditions: `<variable> <op> <value>`, where op is one of
 * == != < <= > >= and value is true, false, a whole number or a "double-quoted string". A
 * condition is parsed when the file is validated (schema.ts) and evaluated while includes are
 * followed (load.ts), against the variables known at that point. Whatever cannot be decided
 * (an unknown variable, a value of another type, an order between non-numbers) is an error,
 * never quietly true or false.
 */

/** A variable's value as a condition sees it (rpm-ostree: bool, number, string). */
export type VarValue = string | number | boolean;

export type ConditionOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface Condition {
  variable: string;
  op: ConditionOp;
  value: VarValue;
}

/**
 * The grammar rpm-ostree documents; numbers are whole (at most 15 digits, exact as a JS number)
 * and strings hold no `"` and no control characters.
 */
const CONDITION_RE =
  /^\s*([A-Za-z0-9_]+)\s*(==|!=|<=|>=|<|>)\s*(true|false|[0-9]{1,15}|"[^"\p{Cc}]*")\s*$/u;

/** The syntax a condition must follow, for error messages. */
export const CONDITION_SYNTAX =
  'a condition is <variable> <op> <value>: op one of == != < <= > >=, value true, false, a whole number or a "quoted string"';

/** `releasever >= 13` → { variable, op, value }; undefined when it does not follow the syntax. */
export function parseCondition(text: string): Condition | undefined {
  const m = CONDITION_RE.exec(text);
  if (!m) return undefined;
  const [, variable, op, raw] = m as unknown as [string, string, ConditionOp, string];
  return { variable, op, value: literal(raw) };
}

function literal(raw: string): VarValue {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw.startsWith('"')) return raw.slice(1, -1);
  return Number(raw);
}

const typeName = (v: VarValue) => (typeof v === 'string' ? 'a string' : `a ${typeof v}`);

/**
 * True or false, or an Error saying why the condition cannot be decided. `vars` are the
 * variables visible where the condition is written (load.ts says which).
 */
export function evaluateCondition(c: Condition, vars: Readonly<Record<string, VarValue>>): boolean {
  if (!Object.hasOwn(vars, c.variable))
    throw new Error(
      `unknown variable ${c.variable} (known here: ${Object.keys(vars).sort().join(', ')})`,
    );
  const v = vars[c.variable] as VarValue;
  if (typeof v !== typeof c.value)
    throw new Error(
      `${c.variable} is ${typeName(v)} (${JSON.stringify(v)}), the condition compares it with ${typeName(c.value)}`,
    );
  if (c.op === '==') return v === c.value;
  if (c.op === '!=') return v !== c.value;
  if (typeof v !== 'number' || typeof c.value !== 'number')
    throw new Error(`${c.op} compares numbers; ${c.variable} is ${typeName(v)}`);
  return ORDER[c.op](v, c.value);
}

const ORDER: Record<'<' | '<=' | '>' | '>=', (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};
