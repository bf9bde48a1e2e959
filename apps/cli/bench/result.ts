/** One line of `npm run bench` output. */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly detail: string;
}

export const printResult = (result: BenchResult): void => {
  process.stdout.write(`${JSON.stringify(result)}\n`);
};
