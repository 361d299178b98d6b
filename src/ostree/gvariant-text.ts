/**
 * The GVariant text format (`ostree show --print-metadata-key`, g_variant_print): a string
 * prints in single quotes, or in double quotes when it holds a single quote and no double one;
 * `\` escapes the quote, itself and control characters (\n, \t, \uXXXX, …). Reference: GLib,
 * gvariant-text-format and g_variant_print's string case.
 */

const SIMPLE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * The string a printed GVariant string stands for; undefined when `text` is not one (another
 * type, e.g. a number or an array).
 */
export function parseGVariantString(text: string): string | undefined {
  const t = text.trim();
  const q = t[0];
  if ((q !== "'" && q !== '"') || t.length < 2 || t[t.length - 1] !== q) return undefined;
  const body = t.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === q) return undefined; // an unescaped quote: not one string
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return undefined;
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += n;
    } else out += SIMPLE[e] ?? e;
  }
  return out;
}
