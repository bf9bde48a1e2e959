import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command called the wrong way: one line saying what is wrong, then its usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What a command's options and positionals parse to, typed from its declared options. */
export type ParsedCommandLine<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean; strict: true }>>;

export interface Subcommand {
  readonly name: string;
  readonly usage: string;
  /** Parses `argv` (what follows the command's name) and runs the command; resolves with the exit code. */
  run(argv: readonly string[]): Promise<number>;
}

export interface SubcommandSpec<O extends OptionsConfig> {
  readonly name: string;
  readonly usage: string;
  /** Every option it takes, with its type (node:util parseArgs); `--help` is added to all. */
  readonly options: O;
  /** Whether it takes positional arguments (scenario files, benchmark names). */
  readonly positionals?: boolean;
  /** Resolves with the exit code (undefined: 0). */
  readonly run: (args: ParsedCommandLine<O>) => Promise<number | void>;
}

/** `--help` or `-h` before a `--` that ends the options. */
const asksForHelp = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
};

/** node:util's own message, first line only ("Option '--level <value>' argument missing"). */
const oneLine = (error: Error & { code?: string }): string => {
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(error.message)?.[1];
    if (option) return `unknown option ${option}`;
  }
  return error.message.split('\n')[0]!;
};

const isParseArgsError = (error: unknown): error is Error & { code: string } => {
  const code: unknown = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
};

/**
 * A command whose arguments are parsed strictly: an option it does not declare, a value missing or
 * given to a flag, a positional it does not take, is a UsageError naming it. `--help` is looked for
 * before anything else is parsed or done, so that asking how to run a command can never run it
 * (`rebuild --help` once dropped and rebuilt every read model).
 */
export const subcommand = <const O extends OptionsConfig>(spec: SubcommandSpec<O>): Subcommand => {
  const usage = `${spec.usage}\n  --help (-h) prints this and does nothing else.`;
  const run = async (argv: readonly string[]): Promise<number> => {
    if (asksForHelp(argv)) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    let parsed: ParsedCommandLine<O>;
    try {
      parsed = parseArgs({ args: [...argv], options: spec.options, allowPositionals: spec.positionals ?? false, strict: true });
    } catch (error) {
      if (isParseArgsError(error)) throw new UsageError(oneLine(error));
      throw error;
    }
    return (await spec.run(parsed)) ?? 0;
  };
  return { name: spec.name, usage, run };
};

export const requiredOption = (value: string | undefined, name: string): string => {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
};
