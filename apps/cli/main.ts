import { ConfigurationError } from '#config';
import type { Subcommand } from './args.js';
import { UsageError } from './args.js';

// Everything the commands create is owner-only, as the server's files are: rebuild writes read
// models, export writes a level's history, backup and restore copy data folders, scenario keeps
// its data folder when asked.
process.umask(0o077);

/**
 * Each command is loaded when it is run: the benchmarks and the scenario runner pull in the whole
 * HTTP app, which made every command (a backup in a cron job, a verify) take seconds to start.
 */
const COMMANDS: readonly (readonly [string, () => Promise<Subcommand>])[] = [
  ['token', async () => (await import('./token.js')).tokenCommand],
  ['keys', async () => (await import('./keys.js')).keysCommand],
  ['scenario', async () => (await import('./scenario.js')).scenarioCommand],
  ['rebuild', async () => (await import('./rebuild.js')).rebuildCommand],
  ['bench', async () => (await import('./bench/run.js')).benchCommand],
  ['verify', async () => (await import('./verify.js')).verifyCommand],
  ['export', async () => (await import('./export.js')).exportCommand],
  ['backup', async () => (await import('./backup.js')).backupCommand],
  ['restore', async () => (await import('./backup.js')).restoreCommand],
  ['openapi', async () => (await import('./openapi.js')).openapiCommand],
];
const usage = async (): Promise<string> => ['Usage:', ...(await Promise.all(COMMANDS.map(async ([, load]) => (await load()).usage)))].join('\n\n');

const [name, ...rest] = process.argv.slice(2);
const load = COMMANDS.find(([candidate]) => candidate === name)?.[1];
if (!load) {
  if (name === '--help' || name === '-h') console.log(await usage());
  else {
    console.error(name ? `unknown command ${name}\n\n${await usage()}` : await usage());
    process.exitCode = 2;
  }
} else {
  const command = await load();
  try {
    process.exitCode = await command.run(rest);
  } catch (error) {
    // A scenario file's mistake by its name: #scenario would load the HTTP app for every command.
    if (error instanceof UsageError || error instanceof ConfigurationError || (error instanceof Error && error.name === 'InvalidScenario')) {
      // One line naming what is wrong, then how the command is called.
      console.error(`${command.name}: ${error.message}\n\n${command.usage}`);
      process.exitCode = 2;
    } else {
      throw error;
    }
  }
}
