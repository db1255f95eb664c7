// Runs one load scenario and prints its result as JSON on the last line of stdout. Started by the
// orchestrator under `taskset` so the load generator has its own core.
import { type LoadOptions, runLoad } from './load.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const result = await runLoad(options);
process.stdout.write(`\n${JSON.stringify(result)}\n`);
