/**
 * The brokers the Kafka tests run against: `KAFKA_BROKERS` when set (a real cluster), otherwise the
 * mock cluster the global setup started. Workers inherit the variable from the global setup.
 */
export const brokersUnderTest = (): string[] => {
  const list = process.env.KAFKA_BROKERS_UNDER_TEST;
  if (!list) {
    throw new Error('KAFKA_BROKERS_UNDER_TEST is not set: run Kafka tests in the int or e2e jest project, whose global setup provides the brokers');
  }
  return list
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
};
