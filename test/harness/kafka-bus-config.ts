import { logLevel } from 'kafkajs';
import type { KafkaBusConfig } from '#bus/adapters';
import { uniqueName } from '../contracts/bus.contract.js';
import { brokersUnderTest } from './kafka-brokers.js';

/**
 * A KafkaBus configuration for tests against the brokers under test. Short group timings: the mock
 * cluster keeps a closed kafkajs consumer in its group until the session times out (it misreads
 * LeaveGroup v3), and a rebalance waits up to the session timeout. Logging is off because that same
 * misreading makes kafkajs log an error on every consumer close.
 */
export const kafkaBusTestConfig = (clientPrefix: string, overrides: Partial<KafkaBusConfig> = {}): KafkaBusConfig => ({
  brokers: brokersUnderTest(),
  clientId: uniqueName(clientPrefix),
  consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 },
  logLevel: logLevel.NOTHING,
  ...overrides,
});
