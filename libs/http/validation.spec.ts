import fc from 'fast-check';
import { cleanTextPattern, textProblem } from './validation.js';

// What the document states of a text (its pattern) and what the edge refuses (textProblem) agree,
// lone surrogates apart: a regular expression cannot see them, the edge refuses them.
const SAMPLES = [
  '诏安县中心粮库',
  'grain',
  ' leading and trailing ',
  'tab\there',
  'two\nlines',
  'carriage\rreturn',
  'line\u2028separator',
  'paragraph\u2029separator',
  '',
  ' ',
  '\u3000',
  '\u200B\u200D',
  '\uFEFF',
  'nul\u0000',
  'escape \u001b[31m red',
  'del\u007F',
  'c1\u0085',
  'bidi \u202E override',
  'isolate \u2066x\u2069',
  'emoji 🌾',
  '\u00A0visible',
];

const agrees = (text: string, multiline: boolean) => new RegExp(cleanTextPattern(multiline), 'u').test(text) === (textProblem(text, multiline) === undefined);

describe('cleanTextPattern', () => {
  it.each([false, true])('agrees with textProblem on every sample (multiline %s)', (multiline) => {
    expect(SAMPLES.filter((text) => !agrees(text, multiline))).toEqual([]);
  });

  it('agrees with textProblem on any well-formed text', () => {
    const texts = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(...SAMPLES));
    fc.assert(fc.property(texts, fc.boolean(), (text, multiline) => !text.isWellFormed() || agrees(text, multiline)), { numRuns: 2000 });
  });
});
