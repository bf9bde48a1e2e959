import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Actor, Command, CommandType } from '#domain';
import { COMMAND_TYPES, ID_PATTERN, Refusal, isCommandType, parseInstant } from '#domain';
import type { CommandOutcome } from '#linkage';
import { refusalOutcome } from '#linkage';
import type { OutcomeOf } from '#observability';
import { commandStep, inCommandSpan } from '#observability';
import { CurrentActor } from './auth.js';
import { RunCommand } from './cqrs.js';
import { validationPipe } from './body-validation.js';
import { COMMAND_BODY_CLASSES } from './command-bodies.js';
import type { CommandIds } from './linkage-gateway.js';
import { UnknownCommand, ValidationFailed } from './problems.js';

/** Turns a validated body into the domain command: plain JSON, instants in canonical UTC. */
export const toCommand = (type: CommandType, body: object): Command => {
  const data = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  if (typeof data.dueBy === 'string') data.dueBy = validInstant(data.dueBy, 'dueBy');
  return { type, data } as Command;
};

/** An instant the edge has validated, in canonical form. */
const validInstant = (value: string, field: string): string => {
  const parsed = parseInstant(value);
  if (!parsed.ok) throw new ValidationFailed([{ field, rule: 'isInstant', message: `${field} ${parsed.message}` }]);
  return parsed.instant;
};

type RawHeaders = Record<string, string | string[] | undefined>;

/** Headers that travel into a fact's metadata, validated as strictly as the body. */
export const commandIdsOf = (headers: RawHeaders): CommandIds => {
  const errors: ValidationFailed['errors'] = [];
  const single = (name: string): string | undefined => {
    const value = headers[name];
    if (Array.isArray(value)) {
      errors.push({ field: name, rule: 'single', message: `${name} must be sent once` });
      return undefined;
    }
    return value;
  };
  const id = (name: string): string | undefined => {
    const value = single(name);
    if (value !== undefined && !ID_PATTERN.test(value)) {
      errors.push({ field: name, rule: 'matches', message: `${name} must be 1-128 letters, digits or . _ : - and start with a letter or digit` });
      return undefined;
    }
    return value;
  };
  const idempotencyKey = id('idempotency-key');
  const correlationId = id('x-correlation-id');
  const occurredAtText = single('x-occurred-at');
  let occurredAt: string | undefined;
  if (occurredAtText !== undefined) {
    const parsed = parseInstant(occurredAtText);
    if (parsed.ok) occurredAt = parsed.instant;
    else errors.push({ field: 'x-occurred-at', rule: 'isInstant', message: `x-occurred-at ${parsed.message}` });
  }
  if (errors.length > 0) throw new ValidationFailed(errors);
  return {
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(correlationId !== undefined ? { correlationId } : {}),
    ...(occurredAt !== undefined ? { occurredAt } : {}),
  };
};

interface ReplyLike {
  header(name: string, value: string): unknown;
}

/**
 * One route for every command of the catalogue: `POST /v1/commands/{type}`. The body is validated
 * against the class made from the command's input schema (command-bodies.ts) before anything else
 * runs; the actor comes from the bearer token. The OpenAPI document still shows one operation per
 * command, with its own request schema (openapi.ts).
 */
@Controller('v1/commands')
export class CommandsController {
  private readonly validation = validationPipe();

  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  @Post(':type')
  @HttpCode(201)
  async run(
    @Param('type') type: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @Headers() headers: RawHeaders,
    @Res({ passthrough: true }) reply: ReplyLike,
  ): Promise<CommandOutcome> {
    if (!isCommandType(type)) throw new UnknownCommand(`there is no command ${type}; the commands are ${COMMAND_TYPES.join(', ')}`);
    const ids = commandIdsOf(headers);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationFailed([{ field: 'body', rule: 'isObject', message: `the body of ${type} must be a JSON object` }]);
    }
    // The command's trace span opens here so that it covers the validation of the body too; it goes
    // with the command to the level service, which records its decide and append steps on it.
    const callerTraceparent = typeof headers.traceparent === 'string' ? headers.traceparent : undefined;
    return inCommandSpan(type, { 'linkage.jurisdiction': actor.jurisdiction }, answerOutcome, async (span) => {
      const valid = (await commandStep(span, 'validate', () => this.validation.transform(body, { type: 'body', metatype: COMMAND_BODY_CLASSES[type] }), answerOutcome)) as object;
      const answer = await this.commands.execute(new RunCommand(toCommand(type, valid), actor, ids, span));
      if (answer.replayed) reply.header('idempotent-replayed', 'true');
      const { kept } = answer;
      if (kept.kind === 'refused') throw new Refusal(kept.refusal, kept.message, kept.field);
      return kept.outcome;
    }, { callerTraceparent });
  }
}

/** A refusal or an invalid body is the command's answer, not a failure of its span. */
const answerOutcome: OutcomeOf = (error) => (error instanceof ValidationFailed ? { outcome: 'invalid', problem: 'ValidationFailed' } : refusalOutcome(error));
