/**
 * Load a recipe: a particle-os YAML recipe, or a bootc-image-builder config.toml/config.json
 * (bib-config.ts), validated with positions; the result carries the file it came from.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, type InputIssue, UsageError } from '../core/errors.ts';
import { keyPath, parseYamlFile, validate } from '../core/yaml-issues.ts';
import { bibKeyLocator, isBibConfig, loadBibConfig } from './bib-config.ts';
import { type Recipe, RecipeSchema } from './schema.ts';

export function loadRecipe(path: string): Recipe {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read recipe ${path}: ${(e as Error).message}`);
  }
  if (isBibConfig(path)) return loadBibConfig(resolve(path), source);
  const { data, issues } = validate(parseYamlFile(path, source), RecipeSchema);
  if (!data) throw new InputError(issues);
  return { ...data, file: resolve(path) };
}

/**
 * Problems the build found with recipe keys (a unit the image lacks, a shell it does not have),
 * located where each key was written: `recipe.yml:12:7  services.enabled[0]  …`, or in a
 * bootc-image-builder config at the key it was read from (`customizations.services…`). The file
 * is read and parsed once; when it cannot be read, the issues point at its first line.
 */
export function recipeIssues(
  file: string,
  problems: readonly { key: readonly (string | number)[]; message: string }[],
): InputIssue[] {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return problems.map((p) => ({
      file,
      line: 1,
      col: 1,
      key: keyPath(p.key),
      message: p.message,
    }));
  }
  if (isBibConfig(file)) {
    const locate = bibKeyLocator(file, source);
    return problems.map((p) => ({ file, ...locate(p.key), message: p.message }));
  }
  const parsed = parseYamlFile(file, source);
  return problems.map((p) => ({
    file,
    ...parsed.positionOf(p.key),
    key: keyPath(p.key),
    message: p.message,
  }));
}
