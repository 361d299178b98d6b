/**
 * Resource ownership. Every mount, temp dir, child process or VM is registered with a Scope
 * right after it is acquired; `close()` releases them in reverse order, also after a failure or
 * Ctrl-C (the CLI entry closes the root scope before exiting).
 */
export type Release = () => Promise<void> | void;

export class Scope {
  private readonly stack: { label: string; release: Release }[] = [];
  private closed = false;

  /** Register a release action; returns a function that releases it early (once). */
  defer(label: string, release: Release): () => Promise<void> {
    const entry = { label, release };
    this.stack.push(entry);
    return async () => {
      const i = this.stack.indexOf(entry);
      if (i >= 0) {
        this.stack.splice(i, 1);
        await entry.release();
      }
    };
  }

  /** Release everything, last acquired first. Errors are collected, never stop the unwinding. */
  async close(): Promise<Error[]> {
    if (this.closed) return [];
    this.closed = true;
    const errors: Error[] = [];
    while (this.stack.length > 0) {
      const { label, release } = this.stack.pop() as { label: string; release: Release };
      try {
        await release();
      } catch (e) {
        errors.push(new Error(`releasing ${label}: ${(e as Error).message}`));
      }
    }
    return errors;
  }
}
