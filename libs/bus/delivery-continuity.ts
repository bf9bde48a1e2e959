import type { DeliveryGap } from './port.js';

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Tells, per topic partition, whether what the bus hands over starts where this consumer group
 * left off. Kafka deletes old messages (retention) whether or not a group has read them; a
 * consumer that was away longer, or fell that far behind, is moved on to the oldest message still
 * there, silently, and the facts in between never arrive. The expectation comes from the group's
 * committed offset when a partition is (re)assigned, and from the last message handled while it
 * stays assigned.
 */
export class DeliveryContinuity {
  private readonly expected = new Map<string, bigint>();

  /** A new assignment: another member may have moved any partition on meanwhile. */
  forgetAll(): void {
    this.expected.clear();
  }

  knows(topic: string, partition: number): boolean {
    return this.expected.has(key(topic, partition));
  }

  /**
   * The group's committed offset for a partition, as read when it was assigned: the next message
   * the group has not yet handled; -1 (none committed) means from the first message ever written.
   */
  committed(topic: string, partition: number, offset: string): void {
    const committed = BigInt(offset);
    this.expected.set(key(topic, partition), committed < 0n ? 0n : committed);
  }

  /** Messages up to `lastOffset` are handled: the next one expected is the one after it. */
  handled(topic: string, partition: number, lastOffset: string): void {
    this.expected.set(key(topic, partition), BigInt(lastOffset) + 1n);
  }

  /** A batch starting at `firstOffset` arrived: the gap before it, if messages are missing. */
  arrived(topic: string, partition: number, firstOffset: string): DeliveryGap | undefined {
    const expected = this.expected.get(key(topic, partition));
    const first = BigInt(firstOffset);
    if (expected === undefined || first <= expected) return undefined;
    return { topic, partition, fromOffset: expected.toString(), toOffset: first.toString(), missing: Number(first - expected) };
  }
}
