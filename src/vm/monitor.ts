/** QEMU's human monitor (HMP) on a unix socket: one command at a time. */
import { connect } from 'node:net';

/**
 * Send one command to a QEMU HMP monitor socket and resolve with what the monitor printed up to
 * its next `(qemu)` prompt. Rejects on a socket error or after `timeoutMs` milliseconds.
 */
export function monitorCommand(
  socketPath: string,
  command: string,
  timeoutMs = 15_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let out = '';
    let sent = false;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`QEMU monitor did not answer "${command}" in ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('data', (d) => {
      out += d.toString('latin1');
      const prompts = out.split('(qemu)').length - 1;
      if (!sent && prompts >= 1) {
        sent = true;
        sock.write(`${command}\n`);
      } else if (sent && prompts >= 2) {
        clearTimeout(timer);
        sock.end();
        resolve(out);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
