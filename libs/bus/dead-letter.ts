import type { BusMessage, DeliveredMessage } from './port.js';

/**
 * Headers a dead-letter record carries besides the original message's own, the same for every
 * adapter so that whoever drains a dead-letter topic can find the failure and the original.
 */
export const DEAD_LETTER_HEADERS = {
  error: 'dead-letter-error',
  groupId: 'dead-letter-group',
  topic: 'dead-letter-source-topic',
  partition: 'dead-letter-source-partition',
  offset: 'dead-letter-source-offset',
} as const;

/** Kafka headers are small by convention; a stack trace or a huge message must not make the record unpublishable. */
const MAX_ERROR_TEXT = 2_000;

const describeError = (error: unknown): string => {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
};

/** The record that replaces a poison message: same key and value, plus where it came from and why it failed. */
export const deadLetterOf = (message: DeliveredMessage, groupId: string, deadLetterTopic: string, error: unknown): BusMessage => ({
  topic: deadLetterTopic,
  key: message.key,
  value: message.value,
  headers: {
    ...message.headers,
    [DEAD_LETTER_HEADERS.error]: describeError(error),
    [DEAD_LETTER_HEADERS.groupId]: groupId,
    [DEAD_LETTER_HEADERS.topic]: message.topic,
    [DEAD_LETTER_HEADERS.partition]: String(message.partition),
    [DEAD_LETTER_HEADERS.offset]: message.offset,
  },
});

/** A group that consumed its own dead-letter topic would dead-letter a poison record into itself forever. */
export const assertDeadLetterTopicApart = (topics: readonly string[], deadLetterTopic: string): void => {
  if (topics.length === 0) throw new Error('a consumer needs at least one topic');
  if (topics.includes(deadLetterTopic)) {
    throw new Error(`dead-letter topic ${deadLetterTopic} is also one of the consumed topics; a poison message would loop`);
  }
};
