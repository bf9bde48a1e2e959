import { ConfigurationError, loadConfig } from '#config';

/** What loadConfig refuses in `env`, one line per problem; none when it takes it. */
export const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
};
