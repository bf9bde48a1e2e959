/**
 * The one structured log of a process (pino): HTTP requests, background events of the levels, and
 * what Nest and kafkajs have to say all go through it, so an operator reads (or ships) one stream.
 */
import type { Logger, LoggerOptions } from 'pino';
import { pino } from 'pino';
import PinoPretty from 'pino-pretty';

export type OperationsLogger = Logger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const isLogLevel = (value: string): value is LogLevel => (LOG_LEVELS as readonly string[]).includes(value);

/**
 * Headers that would hand whoever reads the log a session or a token. pino's redaction removes them
 * from anything logged with a request or its headers, whichever code logs it.
 */
const REDACTED = [
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export interface LogOptions {
  readonly level: LogLevel;
  /** Lines for people (pino-pretty) instead of JSON; the server chooses it when stdout is a terminal. */
  readonly pretty?: boolean;
  /** Where the lines go: a stream (tests), or a file descriptor; default 1, stdout. */
  readonly destination?: NodeJS.WritableStream | 1 | 2;
}

export const createOperationsLog = (options: LogOptions): OperationsLogger => {
  const settings: LoggerOptions = {
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The severity by name ("info"), as log shippers expect it. Fields about a level of the
    // administration are `atLevel`: `level` is the severity's.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED, remove: true },
    // Nest's and kafkajs' lines carry an `err`; this keeps its message and stack as fields.
    serializers: { err: pino.stdSerializers.err },
  };
  const fd = typeof options.destination === 'number' ? options.destination : 1;
  if (options.pretty) return pino(settings, PinoPretty({ colorize: true, sync: true, destination: fd }));
  // Synchronous writes: a start-up failure's last line is out before the process exits.
  return pino(settings, typeof options.destination === 'object' ? options.destination : pino.destination({ fd, sync: true }));
};

/**
 * Until a process installs its own (the server does, at LOG_LEVEL), warnings and errors only, on
 * stderr: a command-line run that never configured logging keeps its stdout for its output (an
 * NDJSON export, a benchmark's figures), and a test keeps a quiet one.
 */
let current: OperationsLogger = createOperationsLog({ level: 'warn', destination: 2 });

/** The process's log, for code deep in the levels that has no logger handed to it. */
export const operationsLog = (): OperationsLogger => current;

/** Makes `logger` the process's log from now on (the server's start-up does it once). */
export const useOperationsLog = (logger: OperationsLogger): void => {
  current = logger;
};
