/**
 * Load a recipe: a particle-os YAML recipe, or a bootc-image-builder config.toml/config.json
 * (bib-config.ts), validated with positions; the result carries the file it came from.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, UsageError } from '../core/errors.ts';
import { parseYamlFile, validate } from '../core/yaml-issues.ts';
import { isBibConfig, loadBibConfig } from './bib-config.ts';
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
