import { Writable } from 'node:stream';
import kafkajs from 'kafkajs';
import { NestLogs, kafkaLogsInto } from './framework-logs.js';
import { createOperationsLog } from './log.js';

/** A log writing into an array of parsed lines. */
const capture = (level: 'info' | 'debug' = 'info') => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createOperationsLog({ level, destination }) };
};

describe('the process log', () => {
  it('names the severity and removes authorization, cookie and set-cookie headers from whatever logs them', () => {
    const { lines, log } = capture();
    log.info({ req: { method: 'GET', headers: { authorization: 'Bearer secret-token', cookie: 'session=s', accept: '*/*' } }, res: { headers: { 'set-cookie': 'session=s' } } }, 'seen');
    expect(lines).toEqual([expect.objectContaining({ level: 'info', msg: 'seen', req: { method: 'GET', headers: { accept: '*/*' } }, res: { headers: {} } })]);
    expect(JSON.stringify(lines)).not.toMatch(/secret-token|session=s/);
  });

  it("writes Nest's lines with their context, its plain start-up lines at debug, errors with their stack", () => {
    const { lines, log } = capture('debug');
    const nest = new NestLogs(log);
    nest.log('Mapped {/health, GET} route', 'RouterExplorer');
    nest.warn('deprecated option', 'NestApplication');
    nest.error('listen failed', 'Error: listen failed\n    at here', 'NestApplication');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'debug', source: 'nest', context: 'RouterExplorer', msg: 'Mapped {/health, GET} route' }),
      expect.objectContaining({ level: 'warn', source: 'nest', context: 'NestApplication', msg: 'deprecated option' }),
      expect.objectContaining({ level: 'error', source: 'nest', context: 'NestApplication', stack: 'Error: listen failed\n    at here', msg: 'listen failed' }),
    ]);
  });

  it("writes kafkajs' entries at their level with their namespace and fields", () => {
    const { lines, log } = capture();
    const write = kafkaLogsInto(() => log)(kafkajs.logLevel.INFO);
    write({ namespace: 'Connection', level: kafkajs.logLevel.ERROR, label: 'ERROR', log: { timestamp: 'now', message: 'Connection timeout', broker: 'kafka-1:9092' } });
    write({ namespace: 'Consumer', level: kafkajs.logLevel.WARN, label: 'WARN', log: { timestamp: 'now', message: 'rebalancing' } });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', source: 'kafkajs', namespace: 'Connection', broker: 'kafka-1:9092', msg: 'Connection timeout' }),
      expect.objectContaining({ level: 'warn', source: 'kafkajs', namespace: 'Consumer', msg: 'rebalancing' }),
    ]);
  });
});
