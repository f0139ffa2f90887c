// `node --import <this>`: a process whose event-loop delay the bench reads from outside. On SIGUSR2 it writes what its
// monitor saw since the last signal (JSON, see loop-delay.ts) to the file named by BENCH_LOOP_DELAY_FILE.
import { writeFileSync } from 'node:fs';
import { loopDelayMonitor } from './loop-delay.ts';

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const monitor = loopDelayMonitor();
  process.on('SIGUSR2', () => writeFileSync(file, JSON.stringify(monitor.take())));
}
