/**
 * The OpenAPI document: Nest's scan of the read routes (each described by `@Documented`,
 * api-docs.ts), plus one operation per command made from the catalogue (the route itself is one,
 * `POST /v1/commands/{type}`), each with its own request schema, example and every answer it can
 * give; the schemas of the answers (openapi-schemas.ts), servers, tags and security.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { COMMANDS, COMMAND_TYPES } from '#domain';
import type { Problems } from './api-docs.js';
import { BODY_PROBLEMS, HEADER_COMPONENTS, PARAMETER, answersOf } from './api-docs.js';
import { jsonSchemaOf } from './command-bodies.js';
import { ANSWER_SCHEMAS, schemaRef } from './openapi-schemas.js';

const COMMAND_PROBLEMS: Problems = {
  400: true,
  403: true,
  404: 'a round, team, unit, issue, clue, rectification or task it names is not known here (or lies on another branch)',
  409: true,
  ...BODY_PROBLEMS,
  421: 'the command belongs to a level this process does not serve',
  422: 'a domain rule refuses it (e.g. MemberMustRecuse, RoundClosed), or its Idempotency-Key was used for another request',
  503: { description: "StoreUnreachable: the level's store (EventStoreDB) is out of reach, or not read since the process started. Nothing was recorded, unless the store was lost while the command was being written: retry after Retry-After seconds with the same Idempotency-Key, which finds such facts", retryAfter: true },
};

const idHeader = (name: string, description: string) => ({ name, in: 'header', required: false, description, schema: PARAMETER.id });

const COMMAND_HEADERS = [
  idHeader(
    'Idempotency-Key',
    'makes a retry safe: per actor and key the first outcome is kept for 48 h (IDEMPOTENCY_RETENTION_HOURS); a retry with the same request gets it again (with `Idempotent-Replayed: true`) and writes nothing; the same key with a different request is refused with 422 IdempotencyKeyReused',
  ),
  idHeader('X-Correlation-Id', 'ties the facts of several commands together in the audit trail'),
  {
    name: 'X-Occurred-At',
    in: 'header',
    required: false,
    description: "when it happened, if recorded later: an ISO 8601 instant with offset (domain time; record time is the server's)",
    schema: PARAMETER.instant,
  },
];

/** Every state-changing request authenticated by the session cookie carries it (auth.ts). */
const CSRF_HEADER_PARAMETER = {
  name: 'X-CSRF-Token',
  in: 'header',
  required: false,
  description: "with the session cookie (not with a bearer token): the session's csrfToken (POST or GET /v1/session); without it, or from another origin, 403 CsrfCheckFailed",
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' },
};

const bodySchemaName = (type: string): string => `${type[0]!.toUpperCase()}${type.slice(1)}Command`;

/** Replaces the one command route by an operation per command of the catalogue. */
const describeCommands = (paths: OpenAPIObject['paths'], schemas: Record<string, unknown>): void => {
  delete paths['/v1/commands/{type}'];
  for (const type of COMMAND_TYPES) {
    const spec = COMMANDS[type];
    schemas[bodySchemaName(type)] = jsonSchemaOf(spec.input);
    paths[`/v1/commands/${type}`] = {
      post: {
        operationId: type,
        tags: ['commands'],
        summary: spec.summary,
        description: `Roles: ${spec.roles.join(', ')}. Runs as the token's actor, at the level of its jurisdiction.`,
        security: [{ bearer: [] }, { session: [] }],
        parameters: [...COMMAND_HEADERS, CSRF_HEADER_PARAMETER],
        requestBody: { required: true, content: { 'application/json': { schema: schemaRef(bodySchemaName(type)), example: spec.example } } },
        responses: answersOf({
          ok: {
            status: 201,
            description: 'recorded: the new facts, their level and store position',
            schema: schemaRef('CommandOutcome'),
            headers: { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } },
          },
          problems: COMMAND_PROBLEMS,
        }),
      },
    } as never;
  }
};

const TAGS = [
  { name: 'commands', description: 'The commands of DESIGN.md §4 and §8. One route, `POST /v1/commands/{command}`, shown as an operation per command with its own body.' },
  { name: 'reports', description: 'Upward 成果联动 reports and downward task streams, read once or watched live (Server-Sent Events).' },
  { name: 'ledgers', description: 'The ledgers (台账) of DESIGN.md §8.3: issues, rectifications and handovers of a subtree, paged or downloaded as CSV/XLSX.' },
  { name: 'operations', description: "Each level's projections, relay and inbox: their state, and the admin's repairs." },
  { name: 'audit', description: 'For auditors and admins: hash-chain verification, signed heads, replay, as-of views, lineage, export (README "Audit").' },
  { name: 'health', description: "Liveness and readiness, and the token keys' public halves (JWKS), without a token." },
  { name: 'session', description: 'Browsers: trade a bearer token or a one-time sign-in ticket for a session cookie (README "Browsers: sign-in and the dashboard").' },
];

const BEARER = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description:
    "A JWT (JWS, EdDSA over Ed25519) whose claims are the actor: `sub` its id, `jur` its jurisdiction (6-digit code), `role` its role; `iss` inspection-linkage, `iat` and `exp` (`npm run token` mints one, for 12 h by default). The header's `kid` names the signing key, which belongs to one level (GET /.well-known/jwks.json): a level's key issues tokens for that level's jurisdictions only, and an admin's only the province's. Verified as RFC8725 (JSON Web Token Best Current Practices) asks: the algorithm is pinned to EdDSA (`none` and every other algorithm are refused), the issuer is checked, an expired token, one living longer than TOKEN_MAX_LIFETIME (12 h by default) and one a retired key signed after its retirement are refused.",
};

const SESSION = {
  type: 'apiKey',
  in: 'cookie',
  name: 'il_session',
  description:
    'For browsers: the opaque id of a server-side session (POST /v1/session), HttpOnly, SameSite=Strict, Secure over HTTPS. Sessions end at the token\'s expiry (at most 12 h), at DELETE /v1/session, and when the server restarts. Every request authenticated by it that changes anything (not GET or HEAD) must send X-CSRF-Token equal to the session\'s csrfToken and must not come from another Origin: else 403 CsrfCheckFailed, and nothing is done. A bearer token, when sent too, wins.',
};

const SERVERS = [
  {
    url: '/',
    description:
      'local: the level service that serves this document (at /docs-json), http://127.0.0.1:3000 by default (HOST, PORT: loopback only); in production behind a proxy that terminates TLS, over https',
    // The offices' own network, not the public internet.
    'x-internal': true,
  },
];

/**
 * Every body goes through the validation pipe, which refuses a field its class does not name
 * (body-validation.ts): the schemas Nest made from body classes say so.
 */
const closeBodies = (paths: OpenAPIObject['paths'], schemas: Record<string, unknown>): void => {
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item) as { requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }[]) {
      const name = operation.requestBody?.content?.['application/json']?.schema?.$ref?.replace('#/components/schemas/', '');
      if (name !== undefined && schemas[name] !== undefined) schemas[name] = { ...(schemas[name] as object), additionalProperties: false };
    }
  }
};

/** The OpenAPI document from Nest's scan: commands, component schemas, security, servers, tags. */
export const describeApi = (document: OpenAPIObject): OpenAPIObject => {
  const paths = { ...document.paths };
  const schemas: Record<string, unknown> = { ...(document.components?.schemas ?? {}), ...ANSWER_SCHEMAS };
  closeBodies(paths, schemas);
  describeCommands(paths, schemas);
  return {
    ...document,
    info: {
      title: document.info.title,
      description: document.info.description,
      version: document.info.version,
      // package.json: private, no licence granted; there is no licence text to link to.
      license: { name: 'UNLICENSED: for the inspection offices only' },
    },
    servers: SERVERS,
    tags: TAGS,
    paths,
    components: {
      ...document.components,
      schemas: schemas as never,
      headers: HEADER_COMPONENTS as never,
      securitySchemes: { bearer: BEARER as never, session: SESSION as never },
    },
  };
};
