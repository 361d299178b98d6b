import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { resetOnRaceOops } from '../../../src/run/race-reset.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const haveQemu = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * QMP events of a real QEMU (no guest: -machine none, stopped), collected as they come. The
 * socket file appears at bind(), a moment before QEMU listens: connect until it answers.
 */
async function qmpEvents(socket: string): Promise<string[]> {
  const events: string[] = [];
  for (let tries = 0; ; tries++) {
    const s = connect(socket);
    const ok = await new Promise<boolean>((resolve) => {
      s.once('connect', () => resolve(true));
      s.once('error', () => resolve(false));
    });
    if (!ok) {
      if (tries > 100) throw new Error(`QMP socket ${socket} never answered`);
      await sleep(100);
      continue;
    }
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, i)) as { QMP?: unknown; event?: string };
        buf = buf.slice(i + 1);
        if (msg.QMP) s.write('{"execute":"qmp_capabilities"}\n');
        if (msg.event) events.push(msg.event);
      }
    });
    s.unref();
    return events;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end; ) await sleep(50);
}

test('run resets a real QEMU once per emulator-race oops before login, and no more than allowed', {
  skip: !haveQemu && 'needs qemu-system-x86_64',
}, async () => {
  const dir = scratchDir('race-reset');
  const hmp = join(dir, 'hmp.sock');
  const qmp = join(dir, 'qmp.sock');
  const log = join(dir, 'console.log');
  const qemu: ChildProcess = spawn(
    'qemu-system-x86_64',
    ['-machine', 'none', '-S', '-display', 'none', '-nodefaults']
      .concat(['-monitor', `unix:${hmp},server=on,wait=off`])
      .concat(['-qmp', `unix:${qmp},server=on,wait=off`]),
    { stdio: 'ignore' },
  );
  try {
    await waitFor(() => existsSync(hmp) && existsSync(qmp), 10_000);
    const events = await qmpEvents(qmp);
    await sleep(300);
    const warnings: string[] = [];
    writeFileSync(log, "Booting `Debian'\r\n[    0.0] Linux version 6.12\r\n");
    const guard = resetOnRaceOops({
      consoleLog: log,
      monitorSocket: hmp,
      warn: (m) => warnings.push(m),
      maxResets: 1,
      intervalMs: 100,
    });
    try {
      await sleep(500);
      assert.equal(events.length, 0, 'no reset while the boot goes well');
      appendFileSync(log, '[    2.4] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\r\n');
      await waitFor(() => events.includes('RESET'), 5000);
      assert.deepEqual(events, ['RESET']);
      assert.match(warnings[0] ?? '', /'Oops: int3: 0000 \[#1\] PREEMPT SMP NOPTI'.*\(1\/1\)/);
      // The next boot dies the same way: with maxResets 1 the guard only says so.
      appendFileSync(log, "Booting `Debian'\r\n[    3.1] Oops: int3: 0000 [#1] SMP\r\n");
      await waitFor(() => warnings.length > 1, 5000);
      await sleep(300);
      assert.deepEqual(events, ['RESET'], 'no second reset');
      assert.match(warnings[1] ?? '', /again after 1 reset\(s\); leaving the VM as it is/);
    } finally {
      guard.stop();
    }
  } finally {
    qemu.kill();
  }
});
