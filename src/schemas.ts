/** JSON Schemas of the file formats, generated from their zod schemas (committed under schema/). */
import { z } from 'zod';
import { RecipeSchema } from './recipe/schema.ts';
import { TreefileFileSchema } from './treefile/schema.ts';

export const SCHEMAS = { treefile: TreefileFileSchema, recipe: RecipeSchema } as const;

export function schemaJson(format: keyof typeof SCHEMAS): string {
  return `${JSON.stringify(z.toJSONSchema(SCHEMAS[format], { io: 'input', unrepresentable: 'any' }), null, 2)}\n`;
}
