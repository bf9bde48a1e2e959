// Random requests against every operation of the OpenAPI document, over a real socket: bodies
// shaped by each operation's schema (and not), headers, query strings, path parameters, with valid,
// forged, expired and missing tokens. Never a 5xx; every 4xx is problem+json naming its rule (and
// its field for a 400); a refused request writes nothing at any level; every answer is one the
// operation documents, its body as documented.
import { readFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Actor } from '#domain';
import { ROLES } from '#domain';
import { TokenService } from '#http';
import type { EmbeddedHarness } from '#scenario';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';
import type { Schema as DocumentedSchema } from '../support/openapi-conformance.js';
import { departures } from '../support/openapi-conformance.js';
import { anyToken, expiredToken } from '../support/tokens.js';

const SCENARIO = join(process.cwd(), 'test', 'scenarios', 'fujian-grain-2021.json');

interface Schema {
  readonly $ref?: string;
  readonly type?: string;
  readonly properties?: Record<string, Schema>;
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly required?: readonly string[];
}
interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly schema?: Schema;
}
interface Operation {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body?: Schema;
  /** Answers by status, then media type, then schema. */
  readonly answers: Record<string, Record<string, DocumentedSchema>>;
}

/** Refusals made before any route is found (a malformed or over-long URL): no operation's answers. */
const ROUTER_REFUSALS = new Set(['BadUrl', 'UriTooLong', 'RouteNotFound']);
interface FuzzRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/**
 * Percent-encodes a path segment; a lone surrogate (no UTF-8 form) goes out as its WTF-8 bytes, the
 * malformed UTF-8 a careless client would send.
 */
const encodeSegment = (value: string): string =>
  value.replace(/\p{Cs}|[^\p{Cs}]+/gu, (part) =>
    /\p{Cs}/u.test(part)
      ? [0xe0 | (part.charCodeAt(0) >> 12), 0x80 | ((part.charCodeAt(0) >> 6) & 0x3f), 0x80 | (part.charCodeAt(0) & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('')
      : encodeURIComponent(part),
  );

/** Ids the scenario recorded, so that some requests name what exists. */
const idsIn = (value: unknown, found = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) for (const item of value) idsIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (/Id$|^targets$|^unitIds$/.test(key)) for (const id of [item].flat()) if (typeof id === 'string' && !id.includes('{')) found.add(id);
      idsIn(item, found);
    }
  }
  return found;
};

const TRICKY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\uD800',
  '\u200B',
  '\u001b[31m',
  '../../etc/passwd',
  '%00',
  '2021-02-30T00:00:00Z',
  '2023-W26-5T00:00:00+08:00',
  '2021-12-31T00:00:00+08:00',
  '9999-12-31T00:00:00Z',
  'x'.repeat(300),
  '350000',
  '350600',
  '350624',
  '350699',
  'city:1',
  `county:${'9'.repeat(40)}`,
  '-1',
  '1e400',
  'NaN',
  'province',
  'county',
  'task',
  'issue',
  'use',
  'none',
  '__proto__',
  '漳州市',
];

describe('fuzzing every route of the OpenAPI document', () => {
  let harness: EmbeddedHarness;
  let port: number;
  let operations: Operation[];
  let schemas: Record<string, Schema>;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    harness = await startEmbeddedHarness();
    await runScenario(parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO), harness);
    await harness.app.listen({ port: 0, host: '127.0.0.1' });
    port = (harness.app.getHttpServer().address() as AddressInfo).port;
    const document = JSON.parse((await harness.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' })).body) as {
      paths: Record<
        string,
        Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, { content?: Record<string, { schema: DocumentedSchema }> }> }>
      >;
      components: { schemas: Record<string, Schema> };
    };
    schemas = document.components.schemas;
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method.toUpperCase() as 'GET' | 'POST',
        path,
        parameters: operation.parameters ?? [],
        ...(operation.requestBody ? { body: operation.requestBody.content['application/json']!.schema } : {}),
        answers: Object.fromEntries(
          Object.entries(operation.responses).map(([status, answer]) => [status, Object.fromEntries(Object.entries(answer.content ?? {}).map(([type, media]) => [type, media.schema]))]),
        ),
      })),
    );
  }, 120_000);
  afterAll(async () => {
    agent.destroy();
    await harness.close();
  });

  /** Sends over the socket; an event stream is cut once its status and headers are in. */
  const send = (fuzz: FuzzRequest): Promise<{ status: number; contentType: string; body: string }> =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: '127.0.0.1', port, method: fuzz.method, path: fuzz.path, headers: fuzz.headers, agent },
        (response) => {
          const contentType = String(response.headers['content-type'] ?? '');
          if (contentType.startsWith('text/event-stream')) {
            response.destroy();
            resolve({ status: response.statusCode ?? 0, contentType, body: '' });
            return;
          }
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType, body }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      if (fuzz.body !== undefined) outgoing.write(fuzz.body);
      outgoing.end();
    });

  const heads = async () => (await Promise.all(harness.runtime.levels.map((level) => harness.runtime.node(level)!.service.store.headPosition()))).join();

  it('never answers 5xx, answers every 4xx as a named problem, and writes nothing when it refuses', async () => {
    const ids = [...idsIn(JSON.parse(readFileSync(SCENARIO, 'utf8')))];
    const jurisdictions = ['350000', '350600', '350624', '350626', '350800', '350699'];
    const actors = fc.record({ id: fc.constantFrom('fuzz-a', 'fuzz-b'), jurisdiction: fc.constantFrom(...jurisdictions), role: fc.constantFrom(...ROLES) });
    const foreignKey = await TokenService.withNewKeys({ levelOf: (jurisdiction) => harness.runtime.levelOf(jurisdiction) });
    const token = fc.oneof(
      { weight: 6, arbitrary: actors.map((actor) => ({ kind: 'valid' as const, actor: actor as Actor })) },
      { weight: 1, arbitrary: actors.map((actor) => ({ kind: 'foreign' as const, actor: actor as Actor })) },
      { weight: 1, arbitrary: actors.map((actor) => ({ kind: 'expired' as const, actor: actor as Actor })) },
      { weight: 1, arbitrary: fc.constantFrom({ kind: 'none' as const }, { kind: 'garbage' as const }) },
    );
    const text = fc.oneof(fc.constantFrom(...TRICKY_STRINGS, ...ids.slice(0, 40)), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
    const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });
    const valueFor = (schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> => {
      const resolved = schema?.$ref ? schemas[schema.$ref.split('/').pop()!] : schema;
      const shaped: fc.Arbitrary<unknown>[] = [];
      if (resolved?.enum) shaped.push(fc.constantFrom(...resolved.enum));
      if (resolved?.type === 'string') shaped.push(text);
      if (resolved?.type === 'integer' || resolved?.type === 'number') shaped.push(fc.oneof(fc.integer(), fc.constantFrom(0, 1, 7, 100, -1, 1e20, 0.5)));
      if (resolved?.type === 'boolean') shaped.push(fc.boolean());
      if (resolved?.type === 'array' && depth < 3) shaped.push(fc.array(valueFor(resolved.items, depth + 1), { maxLength: 4 }));
      if (resolved?.properties && depth < 3) {
        const fields = Object.entries(resolved.properties).map(([name, property]) => [name, valueFor(property, depth + 1)] as const);
        shaped.push(
          fc.record(Object.fromEntries(fields), { requiredKeys: resolved.required ? [...resolved.required].filter((key) => key in resolved.properties!) : [] }) as fc.Arbitrary<unknown>,
        );
      }
      return shaped.length === 0 ? json : fc.oneof({ weight: 5, arbitrary: fc.oneof(...shaped) }, { weight: 1, arbitrary: json });
    };

    const requestOf = (operation: Operation) =>
      fc.record({
        operation: fc.constant(operation),
        token,
        path: fc.record(Object.fromEntries(operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, fc.oneof(valueFor(p.schema), text)]))),
        query: fc.dictionary(
          fc.oneof(fc.constantFrom(...operation.parameters.filter((p) => p.in === 'query').map((p) => p.name), 'unexpected'), fc.string({ maxLength: 8 })),
          text,
          { maxKeys: 3 },
        ),
        headers: fc.dictionary(fc.constantFrom('idempotency-key', 'x-correlation-id', 'x-occurred-at'), text, { maxKeys: 2 }),
        contentType: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-16', 'text/plain', undefined),
        body: operation.body ? fc.oneof({ weight: 4, arbitrary: valueFor(operation.body) }, { weight: 1, arbitrary: json }) : fc.option(json, { nil: undefined }),
      });

    const arbitrary = fc.constantFrom(...operations).chain(requestOf);
    const problems: string[] = [];
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(arbitrary, async (generated) => {
        const { operation } = generated;
        let path = operation.path;
        for (const [name, value] of Object.entries(generated.path)) path = path.replace(`{${name}}`, encodeSegment(String(value)));
        const query = Object.entries(generated.query)
          .map(([key, value]) => `${encodeSegment(key)}=${encodeSegment(String(value))}`)
          .join('&');
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(generated.headers)) {
          // A header value cannot carry control characters on the wire: the client itself refuses them.
          if (!/[\u0000-\u001f\u007f-\uffff]/.test(value)) headers[name] = value;
        }
        const auth = generated.token;
        if (auth.kind === 'valid') headers.authorization = `Bearer ${await anyToken(harness.tokens, auth.actor)}`;
        if (auth.kind === 'foreign') headers.authorization = `Bearer ${await anyToken(foreignKey, auth.actor)}`;
        if (auth.kind === 'expired') headers.authorization = `Bearer ${await expiredToken(harness.tokens, auth.actor)}`;
        if (auth.kind === 'garbage') headers.authorization = 'Bearer not.a.token';
        let body: string | undefined;
        if (generated.body !== undefined && operation.method === 'POST') {
          body = JSON.stringify(generated.body);
          headers['content-type'] = generated.contentType ?? 'application/json';
        }
        await harness.runtime.settle();
        const before = await heads();
        const answer = await send({ method: operation.method, path: query ? `${path}?${query}` : path, headers, ...(body !== undefined ? { body } : {}) });
        const label = `${operation.method} ${path}${query ? `?${query}` : ''} [${auth.kind}] → ${answer.status} ${answer.body.slice(0, 300)}`;
        if (answer.status >= 500) problems.push(`5xx: ${label}`);
        const refusal = answer.status >= 400 && answer.contentType.startsWith('application/problem+json') ? (JSON.parse(answer.body) as { title?: string }) : undefined;
        const documented = operation.answers[String(answer.status)];
        if (documented === undefined) {
          if (!ROUTER_REFUSALS.has(refusal?.title ?? '')) problems.push(`undocumented status: ${label}`);
        } else {
          const type = answer.contentType.split(';')[0]!;
          const schema = documented[type];
          if (schema === undefined) problems.push(`undocumented media type ${type}: ${label}`);
          else if (type.startsWith('text/') && type !== 'text/event-stream') {
            // Text answers (the Prometheus metrics) are documented as strings: the body is the value.
            problems.push(...departures(answer.body, schema, schemas as Record<string, DocumentedSchema>).map((departure) => `not as documented, ${departure}: ${label}`));
          } else if (type !== 'text/event-stream') {
            const lines = type === 'application/x-ndjson' ? answer.body.split('\n').filter(Boolean) : [answer.body];
            for (const line of lines) problems.push(...departures(JSON.parse(line), schema, schemas as Record<string, DocumentedSchema>).map((departure) => `not as documented, ${departure}: ${label}`));
          }
        }
        if (answer.status >= 400) {
          refused++;
          if (!answer.contentType.startsWith('application/problem+json')) problems.push(`not problem+json: ${label}`);
          else {
            const problem = JSON.parse(answer.body) as { title?: unknown; field?: unknown; status?: unknown };
            if (typeof problem.title !== 'string' || problem.title === '' || problem.status !== answer.status) problems.push(`unnamed problem: ${label}`);
            if (answer.status === 400 && typeof problem.field !== 'string') problems.push(`400 naming no field: ${label}`);
          }
          await harness.runtime.settle();
          if ((await heads()) !== before) problems.push(`refused but wrote: ${label}`);
        } else accepted++;
        if (problems.length > 0) throw new Error(problems.join('\n'));
      }),
      { numRuns: 1500, endOnFailure: true },
    );
    // The run exercised both sides of the edge.
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(100);
  }, 180_000);
});
