import { Inject, Injectable } from '@nestjs/common';
import type { Actor, Command, Level } from '#domain';
import { Refusal } from '#domain';
import type { IdempotentAnswer, LevelNode } from '#linkage';
import { LinkageRuntime } from '#linkage';
import type { Span } from '#observability';
import type { Report, ReportScope, TaskStream } from '#projections';
import { MisdirectedRequest, ProjectionBehind } from './problems.js';
import { ReadAccess } from './read-access.js';

/** How long a read waits for its projection to reach a position it was given. */
export const READ_YOUR_WRITES_WAIT_MILLIS = 5_000;

/** Ids a caller may give a command: its idempotency key, its correlation, its domain time. */
export interface CommandIds {
  readonly idempotencyKey?: string;
  readonly correlationId?: string;
  readonly occurredAt?: string;
}

export interface Consistency {
  readonly level: Level;
  readonly position: number;
}

/**
 * The one place HTTP (and scenarios, through HTTP) reach the levels: picks the level a command or
 * a read belongs to and enforces who may read what.
 */
@Injectable()
export class LinkageGateway {
  /** Who may read, audit and operate what: one policy for every read, audit and operations route. */
  readonly access: ReadAccess;

  constructor(@Inject(LinkageRuntime) readonly runtime: LinkageRuntime) {
    this.access = new ReadAccess(runtime.registry, (jurisdiction) => runtime.levelOf(jurisdiction));
  }

  /** Commands go to the actor's level; a new jurisdiction is recorded by the level it joins. */
  levelForCommand(command: Command, actor: Actor): Level {
    if (command.type === 'registerJurisdiction') return command.data.level;
    const level = this.runtime.levelOf(actor.jurisdiction);
    if (!level) throw new Refusal('UnknownJurisdiction', `the actor's jurisdiction ${actor.jurisdiction} is not registered`);
    return level;
  }

  /**
   * Runs a command at its level. With an idempotency key, a retry is answered with the first
   * attempt's outcome (`replayed`), a kept refusal included, and writes nothing. `span`: the
   * command's trace span, if the caller opened it.
   */
  async execute(command: Command, actor: Actor, ids: CommandIds, span?: Span): Promise<IdempotentAnswer> {
    const node = this.nodeFor(this.levelForCommand(command, actor), `${command.type} by ${actor.jurisdiction}`);
    const { idempotencyKey, ...rest } = ids;
    const traced = span ? { span } : {};
    if (idempotencyKey !== undefined) return node.idempotency.execute({ command, actor, ...rest, ...traced, idempotencyKey });
    return { kept: { kind: 'recorded', outcome: await node.service.execute({ command, actor, ...rest, ...traced }) }, replayed: false };
  }

  /** `at`: the instant `overdue` is measured against; now by default. */
  async report(actor: Actor, jurisdiction: string, scope: ReportScope, consistency?: Consistency, at?: string): Promise<Report> {
    const node = await this.readableNode(actor, jurisdiction, consistency);
    this.access.requireVisibleScope(actor, node.readModel, scope);
    return this.reportOf(node, jurisdiction, scope, at);
  }

  async taskStream(actor: Actor, jurisdiction: string, consistency?: Consistency, at?: string): Promise<TaskStream> {
    return this.taskStreamOf(await this.readableNode(actor, jurisdiction, consistency), jurisdiction, at);
  }

  /**
   * The report as `node` holds it now, for a caller that checked access already with
   * `readableNode`: a live view reads once per change for all its subscribers, whoever they are.
   */
  reportOf(node: LevelNode, jurisdiction: string, scope: ReportScope, at?: string): Report {
    return node.readModel.report(jurisdiction, scope, node.jurisdictions, at ?? this.runtime.clock.now(), node.projections.checkpoint);
  }

  /** Milliseconds until something open at `node`'s level falls due, by this runtime's clock. */
  untilNextDueDate(node: LevelNode): number | undefined {
    const now = this.runtime.clock.now();
    const next = node.readModel.nextDueDate(now);
    return next === undefined ? undefined : Date.parse(next) - Date.parse(now);
  }

  /** The task stream as `node` holds it now; access checked by the caller, as for `reportOf`. */
  taskStreamOf(node: LevelNode, jurisdiction: string, at?: string): TaskStream {
    return node.readModel.taskStream(jurisdiction, at ?? this.runtime.clock.now(), node.projections.checkpoint);
  }

  /** The node that serves reads about `jurisdiction`, once the caller may read it. */
  async readableNode(actor: Actor, jurisdiction: string, consistency?: Consistency): Promise<LevelNode> {
    const level = this.access.readableLevel(actor, jurisdiction);
    const node = this.nodeFor(level, `reads about ${jurisdiction}`);
    if (consistency) {
      if (consistency.level !== level) {
        throw new MisdirectedRequest(`positions are per level: ${consistency.level}:${consistency.position} cannot order a read of the ${level} level`);
      }
      const reached = await node.projections.waitFor(consistency.position, READ_YOUR_WRITES_WAIT_MILLIS);
      if (!reached) {
        throw new ProjectionBehind(
          `the ${level} projections reached ${node.projections.checkpoint}, not ${consistency.position}, within ${READ_YOUR_WRITES_WAIT_MILLIS} ms; retry`,
        );
      }
    }
    return node;
  }

  /** Levels served here whose operational figures (store head, inbox, lag) the actor may see. */
  levelsVisibleTo(actor: Actor): Level[] {
    return this.access.operationalLevels(actor, this.runtime.levels);
  }

  nodeFor(level: Level, what: string): LevelNode {
    const node = this.runtime.node(level);
    if (!node) throw new MisdirectedRequest(`${what} belongs to the ${level} level; this process serves ${this.runtime.levels.join(', ')}`);
    return node;
  }
}
