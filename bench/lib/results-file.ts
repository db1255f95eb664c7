import { mkdir, writeFile } from 'node:fs/promises';
import { arch, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The machine a figure was measured on, as every results file records it. */
export interface Machine {
  cpu: string;
  cores: number;
  arch: string;
  memoryBytes: number;
  node: string;
  /** 1-minute load average when the results were written: a loaded host makes every figure noisy. */
  loadAverage: number;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    arch: arch(),
    memoryBytes: totalmem(),
    node: process.version,
    loadAverage: Number((loadavg()[0] ?? 0).toFixed(1)),
  };
}

/** One line for a results page: `2 × <cpu>, Node v…, load 3.1`. */
export function describeMachine(m: Machine = machine()): string {
  return `${m.cores} × ${m.cpu}, Node ${m.node}, load ${m.loadAverage}`;
}

/**
 * Writes `bench/results/<name>.json` (`{ date, machine, ...data }`) and, with a page, `<name>.md`: its title, the
 * date and machine, then its body. Prints where they went.
 */
export async function writeResults(
  name: string,
  data: Record<string, unknown>,
  page?: { title: string; body: string },
): Promise<void> {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const date = new Date().toISOString();
  const measuredOn = machine();
  await writeFile(
    `${dir}${name}.json`,
    `${JSON.stringify({ date, machine: measuredOn, ...data }, null, 2)}\n`,
  );
  if (page) {
    await writeFile(
      `${dir}${name}.md`,
      `# ${page.title}\n\n${date}, ${describeMachine(measuredOn)}.\n\n${page.body.trimEnd()}\n`,
    );
  }
  console.log(`written to bench/results/${name}.json${page ? ' and .md' : ''}`);
}
