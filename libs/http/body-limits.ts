/**
 * What a request body may look like before any rule of its route looks at it: JSON in UTF-8 only,
 * bounded in depth, breadth and string length. Checked without recursion, right after parsing:
 * class-transformer walks a body recursively, and a few thousand nested arrays overflow its stack
 * (a 500 instead of a 400).
 */
import type { FastifyInstance } from 'fastify';
import { MalformedJson, UnsupportedMediaType, ValidationFailed } from './problems.js';

export interface BodyLimits {
  /** Nesting of objects and arrays; the deepest command body (a team member) needs 3. */
  readonly maxDepth: number;
  readonly maxItems: number;
  readonly maxProperties: number;
  /** In UTF-16 code units, for keys and values alike. */
  readonly maxStringLength: number;
}

export const BODY_LIMITS: BodyLimits = { maxDepth: 16, maxItems: 10_000, maxProperties: 200, maxStringLength: 65_536 };

/** Keys that reach for a prototype once a parsed object is copied or merged. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const fieldOf = (path: readonly (string | number)[]): string => (path.length === 0 ? 'body' : path.join('.'));

const refuse = (path: readonly (string | number)[], rule: string, message: string): never => {
  throw new ValidationFailed([{ field: fieldOf(path), rule, message: `${fieldOf(path)} ${message}` }]);
};

/** Throws ValidationFailed naming the first place where `value` breaks a limit. */
export const checkBodyShape = (value: unknown, limits: BodyLimits = BODY_LIMITS): void => {
  const pending: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: node, path } = next;
    if (typeof node === 'string') {
      if (node.length > limits.maxStringLength) refuse(path, 'maxLength', `must be at most ${limits.maxStringLength} characters`);
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (path.length >= limits.maxDepth) refuse(path, 'maxDepth', `nests deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(node)) {
      if (node.length > limits.maxItems) refuse(path, 'maxItems', `must hold at most ${limits.maxItems} items`);
      node.forEach((item, index) => pending.push({ value: item, path: [...path, index] }));
      continue;
    }
    const keys = Object.keys(node);
    if (keys.length > limits.maxProperties) refuse(path, 'maxProperties', `must hold at most ${limits.maxProperties} fields`);
    for (const key of keys) {
      if (key.length > limits.maxStringLength) refuse(path, 'maxLength', `has a field name longer than ${limits.maxStringLength} characters`);
      if (FORBIDDEN_KEYS.has(key)) refuse([...path, key], 'forbiddenKey', 'is not an acceptable field name');
      pending.push({ value: (node as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
};

/** Parses a JSON body: UTF-8 only, then the shape limits. */
export const parseJsonBody = (contentType: string | undefined, text: string, limits: BodyLimits = BODY_LIMITS): unknown => {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaType(`bodies are read as UTF-8 JSON; charset=${charset} is not accepted`);
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedJson(`the body is not JSON: ${(error as Error).message}`);
  }
  checkBodyShape(value, limits);
  return value;
};

/**
 * Makes JSON the one body a route reads: every other media type is refused with 415 before any
 * route runs (Fastify would otherwise hand a text/plain body to the validator as a string).
 */
export const readJsonBodies = (fastify: FastifyInstance, limits: BodyLimits = BODY_LIMITS): void => {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    try {
      done(null, parseJsonBody(request.headers['content-type'], text as string, limits));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
};
