/** `--name value` and `--flag` options after the positional arguments. */
export interface ParsedArgs {
  readonly positional: string[];
  readonly options: Map<string, string | true>;
}

export const parseArgs = (argv: readonly string[]): ParsedArgs => {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const next = argv[index + 1];
      if (inline !== undefined) options.set(name, inline);
      else if (next !== undefined && !next.startsWith('--')) {
        options.set(name, next);
        index++;
      } else options.set(name, true);
    } else positional.push(arg);
  }
  return { positional, options };
};

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const requiredOption = (args: ParsedArgs, name: string): string => {
  const value = args.options.get(name);
  if (typeof value !== 'string') throw new UsageError(`--${name} is required`);
  return value;
};
