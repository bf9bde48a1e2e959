import { ConfigurationError } from '#config';
import { InvalidScenario } from '#scenario';
import type { Subcommand } from './args.js';
import { UsageError } from './args.js';
import { benchCommand } from './bench/run.js';
import { exportCommand } from './export.js';
import { keysCommand } from './keys.js';
import { openapiCommand } from './openapi.js';
import { rebuildCommand } from './rebuild.js';
import { scenarioCommand } from './scenario.js';
import { tokenCommand } from './token.js';
import { verifyCommand } from './verify.js';

// Everything the commands create is owner-only, as the server's files are: rebuild writes read
// models, export writes a level's history, scenario keeps its data folder when asked.
process.umask(0o077);

const COMMANDS: readonly Subcommand[] = [tokenCommand, keysCommand, scenarioCommand, rebuildCommand, benchCommand, verifyCommand, exportCommand, openapiCommand];
const USAGE = ['Usage:', ...COMMANDS.map((command) => command.usage)].join('\n\n');

const [name, ...rest] = process.argv.slice(2);
const command = COMMANDS.find((candidate) => candidate.name === name);
if (!command) {
  if (name === '--help' || name === '-h') console.log(USAGE);
  else {
    console.error(name ? `unknown command ${name}\n\n${USAGE}` : USAGE);
    process.exitCode = 2;
  }
} else {
  try {
    process.exitCode = await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigurationError || error instanceof InvalidScenario) {
      // One line naming what is wrong, then how the command is called.
      console.error(`${command.name}: ${error.message}\n\n${command.usage}`);
      process.exitCode = 2;
    } else {
      throw error;
    }
  }
}
