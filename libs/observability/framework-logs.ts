/** Nest's and kafkajs' own lines, routed into the process's structured log. */
import type { LoggerService } from '@nestjs/common';
import type { logCreator as KafkaLogCreator } from 'kafkajs';
import kafkajs from 'kafkajs';
import type { OperationsLogger } from './log.js';

/**
 * Nest's logger interface over pino. Nest passes the context (the class that logs) as the last
 * string argument; it becomes a field, not part of the message.
 */
export class NestLogs implements LoggerService {
  constructor(private readonly into: OperationsLogger) {}

  // Nest's plain lines are its start-up chatter (a line per module and per route): debug, so that
  // at the default level the log holds requests and events, not sixty lines per start.
  log(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    // Nest's error(message, stack, context): the stack is the other string.
    const stack = level === 'error' && typeof rest[0] === 'string' ? (rest.shift() as string) : undefined;
    const fields: Record<string, unknown> = { source: 'nest', ...(context ? { context } : {}), ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.into[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.into[level]({ ...fields, ...message });
    else this.into[level](fields, String(message));
  }
}

const { logLevel } = kafkajs;
const KAFKA_LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs' `logCreator`: its entries as lines of the process log, `source: kafkajs` and its namespace. */
export const kafkaLogsInto =
  (log: () => OperationsLogger): KafkaLogCreator =>
  () =>
  ({ namespace, level, log: entry }) => {
    const { message, timestamp: _timestamp, ...fields } = entry;
    const method = KAFKA_LEVELS[level];
    if (method) log()[method]({ source: 'kafkajs', namespace, ...fields }, message);
  };
