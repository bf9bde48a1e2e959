import { assertDeadLetterTopicApart, deadLetterOf } from './dead-letter.js';
import type { Bus, BusMessage, Consumer, ConsumerOptions, DeliveredMessage } from './port.js';
import { MAX_RUN_LENGTH, PoisonMessage, nextRetryDelay } from './port.js';

/**
 * Partitions per topic. A few are enough to keep one slow stream from holding up every other key,
 * and the same count as the Kafka mock's auto-created topics, so both adapters spread keys alike
 * in spirit (not by the same hash: nothing may depend on which partition a key lands in).
 */
export const INPROC_PARTITIONS = 4;

/** FNV-1a: stable across runs and processes, so a key always lands in the same partition. */
export const partitionForKey = (key: string, partitions: number = INPROC_PARTITIONS): number => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
};

interface Waiter {
  readonly offset: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** A group's position in one partition: its committed offset and the publishers waiting on it. */
class PartitionCursor {
  /** Every message below this offset is handled or dead-lettered by the group. */
  next = 0;
  pumping = false;
  /** Set while the message at `next` keeps failing transiently. */
  retryDelayMs: number | undefined;
  /**
   * Messages below this offset go one by one through `onMessage`: the run they belong to made
   * `onMessages` throw, so the poison one among them is singled out or a transient failure retried
   * in place.
   */
  oneByOneUntil = 0;
  private waiters: Waiter[] = [];

  /** Resolves once the group has moved past `offset`. */
  passed(offset: number): Promise<void> {
    if (this.next > offset) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ offset, resolve, reject }));
  }

  advance(count = 1): void {
    this.next += count;
    const released = this.waiters.filter((waiter) => waiter.offset < this.next);
    this.waiters = this.waiters.filter((waiter) => waiter.offset >= this.next);
    for (const waiter of released) waiter.resolve();
  }

  abandon(error: Error): void {
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters = [];
  }
}

type Outcome = { readonly failed: false } | { readonly failed: true; readonly error: unknown };

class Member {
  closed = false;
  readonly inFlight = new Set<Promise<Outcome>>();
  constructor(readonly options: ConsumerOptions) {}
}

class Group {
  readonly members: Member[] = [];
  /**
   * One cursor per partition of every topic the group ever consumed. Cursors outlive members, like
   * Kafka's committed offsets: a member that rejoins resumes where the group left off.
   */
  readonly cursors = new Map<string, PartitionCursor[]>();

  constructor(readonly id: string) {}

  /** Partition p of a topic goes to the p-th (mod n) member subscribed to it, re-picked per message. */
  assignee(topic: string, partition: number): Member | undefined {
    const candidates = this.members.filter((member) => member.options.topics.includes(topic));
    return candidates.length === 0 ? undefined : candidates[partition % candidates.length];
  }
}

/**
 * The bus of the embedded default (every level in one process). Per topic an append-only log, split
 * into partitions by key so each source stream keeps its order; each consumer group walks every
 * partition sequentially and moves past a message only once its handler resolved (or the message
 * was dead-lettered). A consumer with `onMessages` is given what has piled up in a partition since
 * its last handler returned as one run (up to MAX_RUN_LENGTH); a run whose handler threw is handled
 * again message by message through `onMessage`.
 *
 * Nothing here is durable, so "the bus holds the message" can only mean "every consumer group has
 * recorded it": `publish` resolves once every group that consumes the topic at publish time has
 * handled or dead-lettered the published messages. A relay that commits its checkpoint after
 * `publish` therefore never moves past a message that no one recorded; if the process dies first,
 * the relay publishes it again and receivers dedupe by event id. A consequence: a group whose last
 * member closed still holds publishes up until a member rejoins or the bus closes, and a handler
 * must not await a publish that its own group has to handle (it would wait on itself).
 *
 * The log is kept whole so that a group created later starts from the earliest message, as a
 * Kafka consumer with `fromBeginning` would.
 */
export class InprocBus implements Bus {
  private readonly logs = new Map<string, DeliveredMessage[][]>();
  private readonly groups = new Map<string, Group>();
  private closed = false;

  async publish(messages: readonly BusMessage[]): Promise<void> {
    this.assertOpen();
    const furthest = new Map<PartitionCursor, number>();
    for (const message of messages) {
      const { partition, offset } = this.append(message);
      for (const group of this.groups.values()) {
        const cursor = group.cursors.get(message.topic)?.[partition];
        if (cursor) furthest.set(cursor, offset);
      }
    }
    await Promise.all([...furthest].map(([cursor, offset]) => cursor.passed(offset)));
  }

  async consume(options: ConsumerOptions): Promise<Consumer> {
    this.assertOpen();
    assertDeadLetterTopicApart(options.topics, options.deadLetterTopic);
    const group = this.groups.get(options.groupId) ?? new Group(options.groupId);
    this.groups.set(group.id, group);
    const member = new Member({ ...options, topics: [...options.topics] });
    group.members.push(member);
    for (const topic of member.options.topics) {
      if (!group.cursors.has(topic)) {
        group.cursors.set(topic, Array.from({ length: INPROC_PARTITIONS }, () => new PartitionCursor()));
      }
    }
    this.kickGroup(group);
    return { close: () => this.leave(group, member) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = new Error('InprocBus closed before every consumer group handled the message; publish it again');
    const inFlight: Promise<Outcome>[] = [];
    for (const group of this.groups.values()) {
      for (const member of group.members) {
        member.closed = true;
        inFlight.push(...member.inFlight);
      }
      group.members.length = 0;
      for (const cursors of group.cursors.values()) for (const cursor of cursors) cursor.abandon(stopped);
    }
    await Promise.all(inFlight);
  }

  /**
   * Stops handing messages to the member. A handler still running is awaited, but its outcome is
   * dropped (neither committed nor dead-lettered): like a consumer process that went away, the
   * message goes to the group's next member.
   */
  private async leave(group: Group, member: Member): Promise<void> {
    if (member.closed) return;
    member.closed = true;
    group.members.splice(group.members.indexOf(member), 1);
    this.kickGroup(group);
    await Promise.all(member.inFlight);
  }

  private append(message: BusMessage): { partition: number; offset: number } {
    const partitions = this.logs.get(message.topic) ?? Array.from({ length: INPROC_PARTITIONS }, (): DeliveredMessage[] => []);
    this.logs.set(message.topic, partitions);
    const partition = partitionForKey(message.key);
    const log = partitions[partition]!;
    const offset = log.length;
    // A copy, so that a caller reusing its objects cannot rewrite history.
    log.push({
      topic: message.topic,
      key: message.key,
      value: message.value,
      headers: { ...message.headers },
      partition,
      offset: String(offset),
    });
    for (const group of this.groups.values()) {
      const cursor = group.cursors.get(message.topic)?.[partition];
      if (cursor) this.kick(group, message.topic, partition, cursor);
    }
    return { partition, offset };
  }

  private kickGroup(group: Group): void {
    for (const [topic, cursors] of group.cursors) {
      cursors.forEach((cursor, partition) => this.kick(group, topic, partition, cursor));
    }
  }

  /** Starts the partition's delivery loop unless one runs; deferred so handlers never run inside `publish` or `consume`. */
  private kick(group: Group, topic: string, partition: number, cursor: PartitionCursor): void {
    if (cursor.pumping || this.closed) return;
    cursor.pumping = true;
    queueMicrotask(() => void this.pump(group, topic, partition, cursor));
  }

  private async pump(group: Group, topic: string, partition: number, cursor: PartitionCursor): Promise<void> {
    const log = this.logs.get(topic)?.[partition] ?? [];
    try {
      while (!this.closed && cursor.next < log.length) {
        const member = group.assignee(topic, partition);
        if (!member) return;
        const { onMessages } = member.options;
        if (onMessages && cursor.next >= cursor.oneByOneUntil) {
          const run = log.slice(cursor.next, cursor.next + MAX_RUN_LENGTH);
          const outcome = await this.handle(member, () => onMessages(run));
          // The member left mid-handler: the run stays for whoever takes the partition next.
          if (member.closed || this.closed) continue;
          if (outcome.failed) cursor.oneByOneUntil = cursor.next + run.length;
          else cursor.advance(run.length);
          continue;
        }
        const message = log[cursor.next]!;
        const outcome = await this.handle(member, () => member.options.onMessage(message));
        // The member left mid-handler: the message stays for whoever takes the partition next.
        if (member.closed || this.closed) continue;
        if (outcome.failed && !(outcome.error instanceof PoisonMessage)) {
          // Transient: the same message again after a pause; nothing behind it overtakes it.
          cursor.retryDelayMs = nextRetryDelay(cursor.retryDelayMs);
          await new Promise((resolve) => setTimeout(resolve, cursor.retryDelayMs));
          continue;
        }
        cursor.retryDelayMs = undefined;
        if (outcome.failed) this.append(deadLetterOf(message, group.id, member.options.deadLetterTopic, outcome.error));
        cursor.advance();
      }
    } finally {
      cursor.pumping = false;
    }
  }

  private async handle(member: Member, handler: () => Promise<void>): Promise<Outcome> {
    const settled = Promise.resolve()
      .then(handler)
      .then(
        (): Outcome => ({ failed: false }),
        (error: unknown): Outcome => ({ failed: true, error }),
      );
    member.inFlight.add(settled);
    try {
      return await settled;
    } finally {
      member.inFlight.delete(settled);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('InprocBus is closed');
  }
}
