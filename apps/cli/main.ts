import { ConfigurationError } from '#config';
import { InvalidScenario } from '#scenario';
import { UsageError, parseArgs } from './args.js';
import { BENCH_USAGE, runBenchmarks } from './bench/run.js';
import { EXPORT_USAGE, runExport } from './export.js';
import { REBUILD_USAGE, rebuildProjections } from './rebuild.js';
import { SCENARIO_USAGE, runScenarios } from './scenario.js';
import { TOKEN_USAGE, mintToken } from './token.js';
import { VERIFY_USAGE, runVerify } from './verify.js';

const USAGE = ['Usage:', TOKEN_USAGE, SCENARIO_USAGE, REBUILD_USAGE, BENCH_USAGE, VERIFY_USAGE, EXPORT_USAGE].join('\n\n');

// Everything the commands create is owner-only, as the server's files are: rebuild writes read
// models, export writes a level's history, scenario keeps its data folder when asked.
process.umask(0o077);

const [command, ...rest] = process.argv.slice(2);
const args = parseArgs(rest);
try {
  switch (command) {
    case 'token':
      await mintToken(args);
      break;
    case 'scenario':
      process.exitCode = await runScenarios(args);
      break;
    case 'rebuild':
      await rebuildProjections(args);
      break;
    case 'bench':
      await runBenchmarks(args);
      break;
    case 'verify':
      process.exitCode = await runVerify(args);
      break;
    case 'export':
      await runExport(args);
      break;
    default:
      console.error(command ? `unknown command ${command}\n\n${USAGE}` : USAGE);
      process.exitCode = 2;
  }
} catch (error) {
  if (error instanceof UsageError || error instanceof ConfigurationError || error instanceof InvalidScenario) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
