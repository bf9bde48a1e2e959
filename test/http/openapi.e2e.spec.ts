// The OpenAPI document against itself and against the server: every operation described the way
// users' tools need it (the linters, `npm run lint:openapi`, check the rest), and real answers of
// every read route, of commands and of refusals are what it says, field for field.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Actor } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';
import type { Schema } from '../support/openapi-conformance.js';
import { departures } from '../support/openapi-conformance.js';

const SCENARIO = join(process.cwd(), 'test', 'scenarios', 'fujian-grain-2021.json');

const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };
const CITY_OFFICE: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const CITY_AUDITOR: Actor = { id: 'zz-auditor', jurisdiction: '350600', role: 'auditor' };

interface Response {
  readonly description: string;
  readonly headers?: Record<string, unknown>;
  readonly content?: Record<string, { readonly schema: Schema }>;
}
interface Operation {
  readonly operationId: string;
  readonly summary?: string;
  readonly tags?: string[];
  readonly security?: Record<string, string[]>[];
  readonly parameters?: { readonly name: string; readonly in: string; readonly schema: Schema }[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema: Schema }> };
  readonly responses: Record<string, Response>;
}
interface Document {
  readonly openapi: string;
  readonly servers: unknown[];
  readonly tags: { readonly name: string; readonly description: string }[];
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, Schema>; readonly securitySchemes: Record<string, unknown> };
}

describe('the OpenAPI document', () => {
  let harness: EmbeddedHarness;
  let document: Document;
  let port: number;
  const http = () => harness.app.getHttpAdapter().getInstance();
  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })));

  /** The documented operation a request reaches: its path template matched segment by segment. */
  const operationOf = (method: string, url: string) => {
    const segments = url.split('?')[0]!.split('/');
    const found = operations().find(
      (candidate) =>
        candidate.method === method &&
        candidate.path.split('/').length === segments.length &&
        candidate.path.split('/').every((part, index) => part.startsWith('{') || part === segments[index]),
    );
    if (!found) throw new Error(`no documented operation for ${method} ${url}`);
    return found.operation;
  };

  /** What is wrong with an answer, measured against the document: nothing when it is as documented. */
  const againstDocument = (method: string, url: string, status: number, headers: Record<string, unknown>, body: string): string[] => {
    const operation = operationOf(method, url);
    const documented = operation.responses[String(status)];
    if (!documented) return [`${operation.operationId} answered ${status}, which it does not document (${body.slice(0, 200)})`];
    const problems: string[] = [];
    for (const header of Object.keys(documented.headers ?? {})) {
      // Retry-After and Content-Disposition come only with the answers that need them; the rest always.
      if (/^x-ratelimit/i.test(header) && headers[header.toLowerCase()] === undefined) problems.push(`${operation.operationId} ${status}: no ${header} header`);
    }
    if (status === 200 && !documented.headers?.['X-RateLimit-Limit'] && headers['x-ratelimit-limit'] !== undefined) problems.push(`${operation.operationId}: undocumented rate-limit headers`);
    const type = String(headers['content-type'] ?? '').split(';')[0]!;
    const media = documented.content?.[type];
    if (!media) return [...problems, `${operation.operationId} ${status}: ${type} is not documented (${Object.keys(documented.content ?? {}).join(', ')})`];
    const values = type === 'application/x-ndjson' ? body.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown) : [JSON.parse(body) as unknown];
    for (const value of values) problems.push(...departures(value, media.schema, document.components.schemas).map((line) => `${operation.operationId} ${status}: ${line}`));
    return problems;
  };

  const send = async (method: 'GET' | 'POST', url: string, actor?: Actor, body?: unknown, contentType = 'application/json') => {
    const headers: Record<string, string> = actor ? { authorization: `Bearer ${await harness.tokens.mint(actor)}` } : {};
    const response = await http().inject({
      method,
      url,
      headers: body === undefined ? headers : { ...headers, 'content-type': contentType },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.statusCode, headers: response.headers as Record<string, unknown>, body: response.body };
  };

  beforeAll(async () => {
    harness = await startEmbeddedHarness();
    await runScenario(parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO), harness);
    // Signed heads, held by the levels above, so that verification and heads have something to show.
    for (const level of ['county', 'city']) expect((await send('POST', `/v1/audit/heads/${level}/sign`, ADMIN)).status).toBe(201);
    await harness.runtime.settle();
    await harness.app.listen({ port: 0, host: '127.0.0.1' });
    port = (harness.app.getHttpServer().address() as AddressInfo).port;
    document = JSON.parse((await send('GET', '/docs-json')).body) as Document;
  }, 120_000);
  afterAll(async () => harness.close());

  it('describes every operation: a unique operationId, a summary, a described tag, a request schema for a body, every answer with its schema', () => {
    expect(document.openapi).toMatch(/^3\.0\./);
    expect(document.servers.length).toBeGreaterThan(0);
    const all = operations();
    expect(all.length).toBeGreaterThanOrEqual(38);
    expect(new Set(all.map(({ operation }) => operation.operationId)).size).toBe(all.length);
    const tags = new Map(document.tags.map((tag) => [tag.name, tag.description]));
    for (const { path, method, operation } of all) {
      const where = `${method} ${path}`;
      expect({ where, id: /^[a-z][A-Za-z]+$/.test(operation.operationId), summary: (operation.summary ?? '').length > 0 }).toEqual({ where, id: true, summary: true });
      expect({ where, tags: operation.tags?.map((tag) => (tags.get(tag) ?? '').length > 0) }).toEqual({ where, tags: [true] });
      if (operation.requestBody) {
        // Unknown fields are refused, not dropped: every body schema says so.
        const body = operation.requestBody.content['application/json']?.schema;
        const resolved = body?.$ref ? document.components.schemas[body.$ref.replace('#/components/schemas/', '')] : body;
        expect({ where, closed: (resolved as { additionalProperties?: unknown } | undefined)?.additionalProperties }).toEqual({ where, closed: false });
      }
      else expect({ where, bodyless: method === 'GET' || method === 'DELETE' || /\/(rebuild|sign)$/.test(path) }).toEqual({ where, bodyless: true });
      const statuses = Object.keys(operation.responses);
      expect({ where, success: statuses.filter((status) => status.startsWith('2')).length }).toEqual({ where, success: 1 });
      for (const [status, answer] of Object.entries(operation.responses)) {
        const media = Object.entries(answer.content ?? {});
        // 204 No Content, and only it, has no content to describe.
        expect({ where, status, schemas: status === '204' ? media.length === 0 : media.length > 0 && media.every(([, content]) => content.schema !== undefined) }).toEqual({ where, status, schemas: true });
        if (Number(status) >= 400) expect({ where, status, problem: media.map(([type, content]) => [type, content.schema]) }).toEqual({ where, status, problem: [['application/problem+json', { $ref: '#/components/schemas/Problem' }]] });
      }
      // A bearer token or the session cookie on every route but the probes (/health, /health/live,
      // /health/ready), the token keys (/.well-known/jwks.json) and signing in (the session's own
      // routes: the cookie only), and then the refusals every such route can give.
      const isPublic = path === '/health' || path.startsWith('/health/') || path === '/.well-known/jwks.json';
      const security = isPublic || where === 'POST /v1/session' ? [{}] : path === '/v1/session' ? [{ session: [] }] : [{ bearer: [] }, { session: [] }];
      expect({ where, security: operation.security }).toEqual({ where, security });
      if (!isPublic) expect({ where, always: ['401', '429', '500'].every((status) => statuses.includes(status)) }).toEqual({ where, always: true });
      for (const parameter of operation.parameters ?? []) {
        const schema = parameter.schema;
        const bounded = schema.enum !== undefined || (schema.maxLength !== undefined && (schema.pattern !== undefined || schema.format !== undefined));
        expect({ where, parameter: parameter.name, bounded }).toEqual({ where, parameter: parameter.name, bounded: true });
      }
    }
    expect(Object.keys(document.components.securitySchemes)).toEqual(['bearer', 'session']);
  });

  it('answers as it says: the status, media type, headers and body of real answers, successes and refusals', async () => {
    const unit = { unitId: 'zz-new-depot', name: '漳州市新粮库', jurisdiction: '350600', kind: 'soe' };
    const cases: [method: 'GET' | 'POST', url: string, actor: Actor | undefined, body?: unknown, contentType?: string][] = [
      ['GET', '/v1/reports/350600', CITY_OFFICE],
      ['GET', '/v1/reports/350600?roundId=zz-12-3-grain&at=2022-01-05T09:00:00%2B08:00', CITY_OFFICE],
      ['GET', '/v1/reports/350000?theme=grain', ADMIN],
      ['GET', '/v1/tasks/350600', CITY_OFFICE],
      ['GET', '/v1/tasks/350000?at=2021-10-01T00:00Z', ADMIN],
      ['GET', '/v1/projections', ADMIN],
      ['GET', '/v1/projections', CITY_OFFICE],
      ['GET', '/v1/status', ADMIN],
      ['POST', '/v1/admin/relay/county/replay', ADMIN, { afterPosition: 0 }],
      ['POST', '/v1/admin/projections/county/rebuild', ADMIN],
      ['GET', '/health', undefined],
      ['GET', '/health/live', undefined],
      ['GET', '/health/ready', undefined],
      ['GET', '/metrics', CITY_OFFICE],
      ['GET', '/v1/audit/verify/county', ADMIN],
      ['GET', '/v1/audit/verify/county', CITY_AUDITOR],
      ['GET', '/v1/audit/heads/county', ADMIN],
      ['POST', '/v1/audit/heads/province/sign', ADMIN],
      ['GET', '/v1/audit/replay?jurisdiction=350624&limit=5', CITY_AUDITOR],
      ['GET', '/v1/audit/replay?roundId=zz-12-3-grain&level=city&position=60', CITY_AUDITOR],
      ['GET', '/v1/audit/as-of/reports/350600?position=40&roundId=zz-12-3-grain', CITY_AUDITOR],
      ['GET', `/v1/audit/as-of/tasks/350600?asOf=${encodeURIComponent(new Date().toISOString())}&snapshots=none`, CITY_AUDITOR],
      ['GET', '/v1/audit/as-of/aggregates/round-zz-12-3-grain?position=100', CITY_AUDITOR],
      ['GET', '/v1/audit/as-of/aggregates/task-fj-grain-task-350600?position=100&level=province', ADMIN],
      ['GET', '/v1/audit/lineage/task/fj-grain-task-350600?level=city', ADMIN],
      ['GET', '/v1/audit/lineage/issue/za-grain-1', CITY_AUDITOR],
      ['GET', '/v1/audit/export/county?jurisdiction=350624', CITY_AUDITOR],
      ['POST', '/v1/commands/registerUnit', CITY_OFFICE, unit],
      // Refusals, each as problem+json.
      ['POST', '/v1/commands/registerUnit', CITY_OFFICE, unit],
      ['POST', '/v1/commands/registerUnit', CITY_OFFICE, { ...unit, unitId: 'x y', extra: 1 }],
      ['POST', '/v1/commands/registerUnit', CITY_OFFICE, 'unitId=x', 'text/plain'],
      ['POST', '/v1/commands/launchRound', CITY_OFFICE, { roundId: 'nope' }],
      ['POST', '/v1/commands/assignTask', CITY_OFFICE, { taskId: 'x', toJurisdiction: '350802', kind: 'follow-up', title: '越界', dueBy: '2021-12-31T00:00:00+08:00' }],
      ['GET', '/v1/reports/350600', undefined],
      ['GET', '/v1/reports/350800', CITY_OFFICE],
      ['GET', '/v1/reports/350600?roundId=nope', CITY_OFFICE],
      ['GET', '/v1/reports/350600?after=county:1', CITY_OFFICE],
      ['GET', '/v1/reports/abc?theme=', CITY_OFFICE],
      ['POST', '/v1/admin/projections/county/rebuild', CITY_OFFICE],
      ['GET', '/v1/audit/replay', CITY_AUDITOR],
      ['GET', '/v1/audit/lineage/task/nope', CITY_AUDITOR],
      ['GET', '/v1/audit/verify/province', CITY_AUDITOR],
    ];
    const problems: string[] = [];
    const statuses = new Set<number>();
    for (const [method, url, actor, body, contentType] of cases) {
      const answer = await send(method, url, actor, body, contentType);
      statuses.add(answer.status);
      problems.push(...againstDocument(method, url, answer.status, answer.headers, answer.body).map((line) => `${method} ${url}: ${line}`));
    }
    expect(problems).toEqual([]);
    expect([...statuses].sort()).toEqual([200, 201, 400, 401, 403, 404, 409, 415, 421, 422]);
  });

  it('streams live views as it says: text/event-stream, each message a report or task stream with its position', async () => {
    const token = await harness.tokens.mint(CITY_OFFICE);
    for (const [url, event] of [
      ['/v1/reports/350600/live?roundId=zz-12-3-grain', 'report'],
      ['/v1/tasks/350600/live', 'tasks'],
    ] as const) {
      const { status, headers, frame } = await new Promise<{ status: number; headers: Record<string, unknown>; frame: string }>((resolve, reject) => {
        const outgoing = request({ host: '127.0.0.1', port, path: url, agent: false, headers: { authorization: `Bearer ${token}` } }, (incoming) => {
          let text = '';
          incoming.setEncoding('utf8');
          incoming.on('data', (chunk: string) => {
            text += chunk;
            const end = text.indexOf('\n\n', text.indexOf('data: '));
            if (text.includes('data: ') && end >= 0) {
              incoming.destroy();
              resolve({ status: incoming.statusCode!, headers: incoming.headers, frame: text.slice(0, end) });
            }
          });
        });
        outgoing.on('error', reject);
        outgoing.end();
      });
      const operation = operationOf('GET', url);
      const media = operation.responses[String(status)]?.content?.[String(headers['content-type'])];
      expect(media).toBeDefined();
      expect(headers['x-ratelimit-limit']).toBeDefined();
      // The frame's fields, `data` parsed: what the event schema describes.
      const fields = Object.fromEntries(
        frame
          .split('\n')
          .filter((line) => /^(event|id|data): /.test(line))
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
      ) as Record<string, string>;
      const message: Record<string, unknown> = { ...fields, data: JSON.parse(fields.data!) as unknown };
      expect(message.event).toBe(event);
      expect(departures(message, media!.schema, document.components.schemas)).toEqual([]);
    }
  });

  it('checks strictly: an undocumented field, a wrong type, a broken limit or pattern are each a departure', () => {
    const schemas = document.components.schemas;
    const health = { status: 'ok', levels: ['province'] };
    expect(departures(health, { $ref: '#/components/schemas/Health' }, schemas)).toEqual([]);
    expect(departures({ ...health, extra: 1 }, { $ref: '#/components/schemas/Health' }, schemas)).toEqual(['$: extra is not documented']);
    expect(departures({ ...health, levels: 'province' }, { $ref: '#/components/schemas/Health' }, schemas)).toEqual(['$.levels: string, not array']);
    expect(departures({ ...health, levels: ['province', 'city', 'county', 'town'] }, { $ref: '#/components/schemas/Health' }, schemas)).toHaveLength(2);
    expect(departures({ jurisdiction: '35060', id: 'x' }, { type: 'object', properties: { jurisdiction: schemas.Actor!.properties!.jurisdiction! } }, schemas)).toEqual([
      '$.jurisdiction: shorter than 6',
      '$.jurisdiction: "35060" does not match ^\\d{6}$',
      '$: id is not documented',
    ]);
  });
});
