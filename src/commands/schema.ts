import type { Command } from 'commander';
import { type GlobalFlags, runCommand } from '../cli/runtime.ts';
import { UsageError } from '../core/errors.ts';
import { SCHEMAS, schemaJson } from '../schemas.ts';

export function registerSchema(cmd: Command, setExit: (code: number) => void): void {
  cmd
    .argument('<format>', Object.keys(SCHEMAS).join(' or '))
    .addHelpText('after', '\nExample:\n  particle-os schema treefile > schema/treefile.schema.json')
    .action(async (format: string) => {
      setExit(
        await runCommand('schema', cmd.optsWithGlobals<GlobalFlags>(), async () => {
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
