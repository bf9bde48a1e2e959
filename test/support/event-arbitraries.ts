import fc from 'fast-check';

/**
 * Characters of the scripts the offices' texts mix, chosen so that every UTF-8 width occurs: Latin
 * (1 and 2 bytes), Arabic (2), CJK (3) and astral emoji (4 bytes, two UTF-16 code units).
 */
const SCRIPT_RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x7e],
  [0xc0, 0x24f],
  [0x600, 0x6ff],
  [0x4e00, 0x9fff],
  [0x1f300, 0x1faff],
];

export const scriptCharacter: fc.Arbitrary<string> = fc.oneof(
  ...SCRIPT_RANGES.map(([min, max]) => fc.integer({ min, max }).map((codePoint) => String.fromCodePoint(codePoint))),
);

export const scriptText = (maxLength: number, minLength = 0): fc.Arbitrary<string> => fc.string({ unit: scriptCharacter, minLength, maxLength });

/**
 * Sizes up to `maxBytes`, weighted so that small, medium and large texts all occur in a few runs
 * (a uniform size would make nearly every text a megabyte).
 */
const byteSize = (maxBytes: number): fc.Arbitrary<number> =>
  fc.oneof(fc.integer({ min: 0, max: Math.min(maxBytes, 4096) }), fc.integer({ min: 0, max: Math.min(maxBytes, 64 * 1024) }), fc.integer({ min: 0, max: maxBytes }));

/**
 * Text of at least the drawn byte size (up to one fragment more): a random fragment repeated, since
 * drawing megabytes character by character would take seconds per run.
 */
export const sizedText = (maxBytes: number): fc.Arbitrary<string> =>
  fc.tuple(scriptText(64, 1), byteSize(maxBytes)).map(([fragment, bytes]) => fragment.repeat(Math.ceil(bytes / Buffer.byteLength(fragment))));

/** Nested JSON whose strings are in those scripts, with one text of up to `maxBytes` in it. */
export const eventPayload = (maxBytes: number): fc.Arbitrary<Record<string, unknown>> =>
  fc.record({
    nested: fc.jsonValue({ maxDepth: 3, depthSize: 'small', stringUnit: scriptCharacter }),
    summary: sizedText(maxBytes),
    tags: fc.array(scriptText(20), { maxLength: 5 }),
  });

/** The fields of an event the chain covers, texts as strings or as their UTF-8 bytes. */
export interface ArbitraryChainContent {
  readonly streamId: string | Uint8Array;
  readonly revision: number;
  readonly eventId: string | Uint8Array;
  readonly type: string | Uint8Array;
  readonly data: string | Uint8Array;
  readonly metadata: string | Uint8Array;
}

const maybeBytes = (text: fc.Arbitrary<string>): fc.Arbitrary<string | Uint8Array> =>
  fc.tuple(text, fc.boolean()).map(([value, asBytes]) => (asBytes ? Buffer.from(value, 'utf8') : value));

/** An event as a store or a file reader hands it to the chain: from 0 B to about `maxBytes`. */
export const chainContent = (maxBytes: number): fc.Arbitrary<ArbitraryChainContent> =>
  fc.record({
    streamId: maybeBytes(scriptText(200)),
    revision: fc.maxSafeNat(),
    eventId: maybeBytes(scriptText(64)),
    type: maybeBytes(scriptText(64)),
    data: maybeBytes(eventPayload(maxBytes).map((payload) => JSON.stringify(payload))),
    metadata: maybeBytes(eventPayload(Math.min(maxBytes, 64 * 1024)).map((payload) => JSON.stringify(payload))),
  });

/**
 * fc.assert for properties over megabyte values: a failure names the seed, the path and the error,
 * not the counterexample (printing it would flood the output with megabytes). It ends at the first
 * failure without shrinking: shrinking megabyte texts costs seconds per step.
 */
export const assertBriefly = async <Values>(property: fc.IRawProperty<Values>, parameters: fc.Parameters<Values> = {}): Promise<void> => {
  await fc.assert(property, {
    ...parameters,
    endOnFailure: true,
    reporter: (details) => {
      if (!details.failed) return;
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`property failed after ${details.numRuns} run(s) (replay: seed ${details.seed}, path "${details.counterexamplePath ?? ''}"): ${cause}`);
    },
  });
};
