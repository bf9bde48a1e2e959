import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startEmbeddedHarness } from '#scenario';
import { subcommand } from './args.js';

export const OPENAPI_USAGE = `node dist/apps/cli/main.js openapi [--out FILE]
  Prints the OpenAPI document the server serves at /docs-json (to FILE or stdout), from the app
  built in memory: no server, no data folder, no network. \`npm run lint:openapi\` lints it.`;

export const openapiCommand = subcommand({
  name: 'openapi',
  usage: OPENAPI_USAGE,
  options: { out: { type: 'string' } },
  run: async ({ values }) => {
    // The very document the server answers /docs-json with: the same app, asked over its own pipeline.
    const harness = await startEmbeddedHarness();
    let text: string;
    try {
      const response = await harness.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' });
      if (response.statusCode !== 200) throw new Error(`/docs-json answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
      text = `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`;
    } finally {
      await harness.close();
    }
    if (values.out === undefined) process.stdout.write(text);
    else {
      writeFileSync(resolve(values.out), text);
      process.stderr.write(`OpenAPI document → ${resolve(values.out)}\n`);
    }
  },
});
