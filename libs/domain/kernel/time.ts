/** Parses an ISO-8601 instant (with offset or Z) to a canonical UTC string, or undefined. */
export const canonicalInstant = (value: string): string | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
};

export const isBefore = (a: string, b: string): boolean => Date.parse(a) < Date.parse(b);
