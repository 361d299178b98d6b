/**
 * Load a recipe: a particle-os YAML recipe, or a bootc-image-builder config.toml/config.json
 * (bib-config.ts), validated with positions; the result carries the file it came from.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, type InputIssue, UsageError } from '../core/errors.ts';
import { keyPath, parseYamlFile, validate } from '../core/yaml-issues.ts';
import { isBibConfig, loadBibConfig, locateBibKey } from './bib-config.ts';
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
 * A problem the build found with a recipe key (a unit the image lacks, a shell it does not
 * have), located where the key was written: `recipe.yml:12:7  services.enabled[0]  …`, or in
 * a bootc-image-builder config at the key it was read from (`customizations.services…`). The
 * file is read again; when it cannot be, the issue points at its first line.
 */
export function recipeIssue(
  file: string,
  path: readonly (string | number)[],
  message: string,
): InputIssue {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return { file, line: 1, col: 1, key: keyPath(path), message };
  }
  if (isBibConfig(file)) return { file, ...locateBibKey(file, source, path), message };
  return { file, ...parseYamlFile(file, source).positionOf(path), key: keyPath(path), message };
}
