import { readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) this thread has used, from /proc on Linux; undefined elsewhere. A
 * rebuild waits on the thread that writes the read model while worker threads plan for it: on a
 * shared machine its CPU time tells more than the events per second, which the machine's load
 * moves by half from one run to the next.
 */
export const threadCpuSeconds = (): number | undefined => {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime are the 14th and 15th of the line.
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
};
