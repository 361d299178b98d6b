/**
 * Renders progress: on a terminal, the running step with a live elapsed-time counter; otherwise
 * plain lines. Everything goes to stderr so stdout carries only results.
 */
import type { Reporter } from '../core/context.ts';

/**
 * `quietSteps`: steps are not shown (their logs are still written): for commands that hand the
 * terminal to a VM console or an ssh session, where a progress line would scribble over it.
 */
export function createReporter(opts: {
  verbose: boolean;
  stream?: NodeJS.WriteStream;
  quietSteps?: boolean;
}): Reporter {
  const out = opts.stream ?? process.stderr;
  const tty = out.isTTY === true && !opts.verbose && process.env.CI !== 'true';
  let live: { name: string; started: number; timer: NodeJS.Timeout } | undefined;
  const clearLive = () => {
    if (live && tty) out.write('\r\x1b[2K');
  };
  const drawLive = () => {
    if (live && tty) out.write(`\r\x1b[2K  … ${live.name} ${secs(Date.now() - live.started)}`);
  };
  const line = (s: string) => {
    clearLive();
    out.write(`${s}\n`);
    drawLive();
  };
  return {
    stepStart(name, logFile) {
      if (opts.quietSteps) return;
      if (tty) {
        if (live) clearInterval(live.timer);
        live = { name, started: Date.now(), timer: setInterval(drawLive, 500) };
        live.timer.unref();
        drawLive();
      } else {
        line(`==> ${name}  (log: ${logFile})`);
      }
    },
    stepEnd(name, ms, ok) {
      if (opts.quietSteps) return;
      if (live?.name === name) {
        clearInterval(live.timer);
        clearLive();
        live = undefined;
      }
      line(`${ok ? '  ✓' : '  ✗'} ${name} ${secs(ms)}`);
    },
    info: (m) => line(m),
    warn: (m) => line(`warning: ${m}`),
    toolOutput(chunk) {
      clearLive();
      out.write(chunk);
      drawLive();
    },
  };
}

function secs(ms: number): string {
  return `(${(ms / 1000).toFixed(1)}s)`;
}
