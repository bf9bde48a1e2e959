/**
 * The audit contract: verify, sign, export and as-of over HTTP, and tamper detection, on a level's
 * hash-chained store, whichever adapter keeps it. One suite, run against every adapter
 * (test/audit/audit-contract.e2e.spec.ts): memory, SQLite files, and EventStoreDB through the real
 * client against the gRPC fake.
 *
 * Positions named here are chain positions (1, 2, 3 … along a level's order), which is what verify
 * reports; they are store positions in sqlite and memory, and the store's own numbering in esdb.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor, Level } from '#domain';
import { LEVELS } from '#domain';
import type { FindingKind, VerificationReport } from '#audit';
import { parseExport, verifyExport } from '#audit';
import type { EventStore } from '#event-store';
import type { EmbeddedHarness } from '#scenario';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

/** An event's JSON as a tamperer changes it: data and metadata as parsed values. */
export interface StoredJson {
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

/** Puts back what a tampering changed, so that the next one starts from the pristine store. */
export type Undo = () => Promise<void>;

/**
 * Changes a level's stored history behind its store's back, as someone with the database files
 * could: each call returns its undo.
 */
export interface ChainTamperer {
  /** Changes the event at `place`, keeping its stored chain hash. */
  editEvent(level: Level, place: number, edit: (stored: StoredJson) => StoredJson): Promise<Undo>;
  /** Removes the event at `place`; later events keep their places. */
  removeEvent(level: Level, place: number): Promise<Undo>;
  /** Removes every event after `place`. */
  cutAfter(level: Level, place: number): Promise<Undo>;
  /** A careful forger: changes the event at `place` and recomputes every chain hash from there on. */
  rewriteAndRehash(level: Level, place: number, edit: (stored: StoredJson) => StoredJson): Promise<Undo>;
}

export interface AuditedStores {
  /** Opens `level`'s store, empty, chained with the audit chain. */
  readonly openStore: (level: Level) => EventStore;
  /** Absent for an adapter whose stored history a test cannot reach (memory). */
  readonly tamperer?: ChainTamperer;
  /** Removes what the stores left behind (after the harness closed them). */
  readonly dispose: () => Promise<void>;
}

const SCENARIO = join(process.cwd(), 'test', 'scenarios', 'fujian-grain-2021.json');
/** Every level signs after `pause` steps of the scenario and again after `steps`. */
const WHOLE_RUN = { pause: 20, steps: Number.POSITIVE_INFINITY };

const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };
const CITY_AUDITOR: Actor = { id: 'zz-auditor', jurisdiction: '350600', role: 'auditor' };

/**
 * `trials`: how many places each kind of tampering is tried at (each costs a verification, and a
 * verification that finds a break reads the other levels' stores for copies); `run`: how much of the
 * scenario runs (an adapter slow in tests runs less of it).
 */
export const describeAuditContract = (
  name: string,
  open: () => Promise<AuditedStores>,
  { trials = 3, run = WHOLE_RUN }: { readonly trials?: number; readonly run?: { readonly pause: number; readonly steps: number } } = {},
): void => {
  describe(`audit contract: ${name}`, () => {
    let stores: AuditedStores;
    let harness: EmbeddedHarness;
    const http = () => harness.app.getHttpAdapter().getInstance();
    const request = async (method: 'GET' | 'POST', url: string, actor: Actor) => {
      const response = await http().inject({ method, url, headers: { authorization: `Bearer ${await harness.tokens.mint(actor)}` } });
      return { status: response.statusCode, body: response.body, json: <T = Record<string, unknown>>() => JSON.parse(response.body) as T };
    };
    const signEveryLevel = async (): Promise<void> => {
      for (const level of LEVELS) expect((await request('POST', `/v1/audit/heads/${level}/sign`, ADMIN)).status).toBe(201);
      await harness.runtime.settle();
    };
    const verify = async (level: Level, actor: Actor = ADMIN): Promise<VerificationReport> => {
      const response = await request('GET', `/v1/audit/verify/${level}`, actor);
      expect(response.status).toBe(200);
      return response.json<VerificationReport>();
    };
    /** Per level: the chain head and the last position a signed head covers, before any tampering. */
    const shape = new Map<Level, { head: number; signed: number }>();

    beforeAll(async () => {
      stores = await open();
      harness = await startEmbeddedHarness({ openStore: stores.openStore });
      const scenario = parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO);
      await runScenario({ name: scenario.name, steps: scenario.steps.slice(0, run.pause), expect: [] }, harness);
      await signEveryLevel();
      const rest = scenario.steps.slice(run.pause, run.steps);
      const at = [...scenario.steps.slice(0, run.pause)].reverse().find((step) => step.at !== undefined)?.at;
      await runScenario({ name: scenario.name, steps: rest.map((step, index) => (index === 0 && step.at === undefined && at ? { ...step, at } : step)), expect: [] }, harness);
      await signEveryLevel();
      for (const level of LEVELS) {
        const report = await verify(level);
        shape.set(level, { head: report.head.position, signed: report.signedHeads.latestConfirmed?.position ?? 0 });
      }
    }, 300_000);

    afterAll(async () => {
      await harness?.close();
      await stores?.dispose();
    });

    it('verifies every level clean, each event checked, its heads confirmed by the level and every level above it', async () => {
      for (const level of LEVELS) {
        const report = await verify(level);
        expect(report).toMatchObject({ ok: true, firstBroken: null, findings: [] });
        expect(report.events).toBe(report.head.position);
        expect(report.events).toBeGreaterThan(5);
        expect(report.signedHeads.confirmed).toBe(2);
        expect([...report.signedHeads.latestConfirmed!.heldBy].sort()).toEqual(LEVELS.slice(0, LEVELS.indexOf(level) + 1).sort());
      }
    });

    it('signs the head on demand once while nothing new is stored; the signature covers the chain head verify recomputes', async () => {
      const first = await request('POST', '/v1/audit/heads/county/sign', ADMIN);
      expect(first.status).toBe(201);
      const again = await request('POST', '/v1/audit/heads/county/sign', ADMIN);
      expect(again.json()).toEqual(first.json());
      await harness.runtime.settle();
      const signed = first.json<{ head: { position: number; hash: string } }>().head;
      const report = await verify('county');
      // The signature fact is itself the last event: the head it signed is the one before it.
      expect(report.head.position).toBe(signed.position + 1);
      const heads = (await request('GET', '/v1/audit/heads/county', ADMIN)).json<{ heads: { head: { position: number; hash: string } }[] }>().heads;
      expect(heads.map(({ head }) => head.position)).toContain(signed.position);
      expect(report.ok).toBe(true);
    });

    it('exports a level, and one jurisdiction of it with the rest redacted, as NDJSON that verifies offline', async () => {
      const whole = await request('GET', '/v1/audit/export/county', ADMIN);
      expect(whole.status).toBe(200);
      const parsed = await parseExport(whole.body.split('\n'));
      const offline = await verifyExport(parsed, { description: 'county export' });
      const online = await verify('county');
      expect(offline).toMatchObject({ ok: true, events: online.events, redacted: 0, head: online.head });
      expect(offline.signedHeads.confirmed).toBe(online.signedHeads.confirmed);

      const one = await request('GET', '/v1/audit/export/city?jurisdiction=350600', CITY_AUDITOR);
      expect(one.status).toBe(200);
      const redacted = await verifyExport(await parseExport(one.body.split('\n')), { description: 'city export' });
      expect(redacted.ok).toBe(true);
      expect(redacted.redacted).toBeGreaterThan(0);
    });

    it('answers as-of views: the report as of the head is the live one, as of the first event one that knew less', async () => {
      type Figures = { units: { registered: number }; rounds: { launched: number } };
      const head = await harness.runtime.node('city')!.service.store.headPosition();
      const live = (await request('GET', '/v1/reports/350600', ADMIN)).json<Figures>();
      const atHead = await request('GET', `/v1/audit/as-of/reports/350600?position=${head}`, ADMIN);
      expect(atHead.status).toBe(200);
      const view = atHead.json<{ view: Figures }>().view;
      expect({ units: view.units, rounds: view.rounds }).toEqual({ units: live.units, rounds: live.rounds });
      expect(live.units.registered).toBeGreaterThan(0);
      const [first] = await harness.runtime.node('city')!.service.store.readAll({ limit: 1 });
      const atFirst = await request('GET', `/v1/audit/as-of/reports/350600?position=${first!.position}`, ADMIN);
      expect(atFirst.status).toBe(200);
      expect(atFirst.json<{ view: Figures }>().view.units.registered).toBeLessThan(live.units.registered);
    });

    const tamperings = (): ChainTamperer => {
      if (!stores.tamperer) throw new Error(`${name}: no tamperer`);
      return stores.tamperer;
    };
    const onTamperable = (title: string, test: () => Promise<void>) => it(title, async () => (stores.tamperer ? test() : undefined));

    /** Tampers, checks what verify says of `level`, and puts the store back. */
    const expectDetected = async (
      level: Level,
      tamper: () => Promise<Undo>,
      expected: { readonly kinds: readonly FindingKind[]; readonly position: number; readonly within?: boolean },
    ): Promise<VerificationReport> => {
      const undo = await tamper();
      try {
        const report = await verify(level);
        const context = `${expected.kinds.join('/')} at ${expected.position}: verify said ${JSON.stringify(report.firstBroken)}`;
        expect({ context, ok: report.ok }).toEqual({ context, ok: false });
        const broken = report.firstBroken!;
        expect({ context, kind: expected.kinds.includes(broken.kind) }).toEqual({ context, kind: true });
        if (expected.within && broken.kind === 'history-rewritten') expect({ context, bounded: broken.position <= expected.position && expected.position <= broken.range![1] }).toEqual({ context, bounded: true });
        else expect({ context, position: broken.position }).toEqual({ context, position: expected.position });
        return report;
      } finally {
        await undo();
      }
    };

    /** A few places spread over the county chain (deterministic, so that a failure replays). */
    const places = (count: number, last: number): number[] => Array.from({ length: count }, (_, index) => 1 + Math.floor(((index * 7 + 3) / (count * 7)) * last));

    onTamperable('detects a changed payload where it was changed', async () => {
      const { head } = shape.get('county')!;
      for (const place of places(trials, head)) {
        await expectDetected('county', () => tamperings().editEvent('county', place, ({ data, metadata }) => ({ data: { ...data, tampered: true }, metadata })), {
          kinds: ['payload-changed', 'actor-rewritten'],
          position: place,
        });
      }
    });

    onTamperable('detects a rewritten actor, with the copy another level holds as evidence', async () => {
      const { head } = shape.get('county')!;
      for (const place of places(trials, head)) {
        const report = await expectDetected(
          'county',
          () =>
            tamperings().editEvent('county', place, ({ data, metadata }) => ({
              data,
              metadata: { ...metadata, actor: { ...(metadata.actor as Record<string, unknown>), id: 'someone-else' } },
            })),
          { kinds: ['actor-rewritten'], position: place },
        );
        expect(report.firstBroken?.evidence?.differences).toContain('metadata.actor');
      }
    });

    onTamperable('detects a removed event at its position', async () => {
      const { head } = shape.get('county')!;
      for (const place of places(trials, head - 1)) {
        await expectDetected('county', () => tamperings().removeEvent('county', place), { kinds: ['event-missing'], position: place });
      }
    });

    onTamperable('bounds a re-hashed rewrite between the signed heads around it', async () => {
      const { signed } = shape.get('county')!;
      for (const place of places(Math.max(1, trials - 1), signed - 1)) {
        await expectDetected('county', () => tamperings().rewriteAndRehash('county', place, ({ data, metadata }) => ({ data: { ...data, tampered: true }, metadata })), {
          kinds: ['history-rewritten', 'bad-signature'],
          position: place,
          within: true,
        });
      }
    });

    onTamperable('verifies clean again once every tampering is undone', async () => {
      for (const level of LEVELS) expect((await verify(level)).ok).toBe(true);
    });

    // Last: a store that saw its tail cut may remember the shorter head after the tail is put back
    // (events never reappear on a real server), so nothing runs after this one.
    onTamperable('detects a cut-off tail where the store now ends', async () => {
      const { signed } = shape.get('county')!;
      const keep = Math.max(1, signed - 5);
      await expectDetected('county', () => tamperings().cutAfter('county', keep), { kinds: ['tail-truncated'], position: keep + 1 });
    });
  });
};
