import type { Command } from 'commander';
import { runCommand } from '../cli/runtime.ts';
import { UsageError } from '../core/errors.ts';
import { SCHEMAS, schemaJson } from '../schemas.ts';

export function registerSchema(program: Command, setExit: (code: number) => void): void {
  program
    .command('schema')
    .description(
      `print the JSON Schema of a file format (${Object.keys(SCHEMAS).join(', ')}) for editors`,
    )
    .argument('<format>', Object.keys(SCHEMAS).join(' or '))
    .addHelpText('after', '\nExample:\n  particle-os schema treefile > schema/treefile.schema.json')
    .action(async (format: string) => {
      setExit(
        await runCommand('schema', program.opts(), async () => {
          if (!(format in SCHEMAS))
            throw new UsageError(
              `unknown format ${format}: use ${Object.keys(SCHEMAS).join(' or ')}`,
            );
          process.stdout.write(schemaJson(format as keyof typeof SCHEMAS));
          return 0;
        }),
      );
    });
}
