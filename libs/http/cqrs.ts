import { Inject } from '@nestjs/common';
import type { ICommandHandler, IQueryHandler } from '@nestjs/cqrs';
import { CommandHandler, Command as CqrsCommand, Query, QueryHandler } from '@nestjs/cqrs';
import type { Actor, Command } from '#domain';
import type { IdempotentAnswer } from '#linkage';
import type { Span } from '#observability';
import type { Report, ReportScope, TaskStream } from '#projections';
import type { CommandIds, Consistency } from './linkage-gateway.js';
import { LinkageGateway } from './linkage-gateway.js';

export class RunCommand extends CqrsCommand<IdempotentAnswer> {
  constructor(
    readonly command: Command,
    readonly actor: Actor,
    readonly ids: CommandIds = {},
    /** The command's trace span, opened by the caller to cover what it did first (validation). */
    readonly span?: Span,
  ) {
    super();
  }
}

@CommandHandler(RunCommand)
export class RunCommandHandler implements ICommandHandler<RunCommand, IdempotentAnswer> {
  constructor(@Inject(LinkageGateway) private readonly gateway: LinkageGateway) {}
  execute({ command, actor, ids, span }: RunCommand): Promise<IdempotentAnswer> {
    return this.gateway.execute(command, actor, ids, span);
  }
}

export class GetReport extends Query<Report> {
  constructor(
    readonly actor: Actor,
    readonly jurisdiction: string,
    readonly scope: ReportScope,
    readonly consistency?: Consistency,
    readonly at?: string,
  ) {
    super();
  }
}

@QueryHandler(GetReport)
export class GetReportHandler implements IQueryHandler<GetReport, Report> {
  constructor(@Inject(LinkageGateway) private readonly gateway: LinkageGateway) {}
  execute({ actor, jurisdiction, scope, consistency, at }: GetReport): Promise<Report> {
    return this.gateway.report(actor, jurisdiction, scope, consistency, at);
  }
}

export class GetTaskStream extends Query<TaskStream> {
  constructor(
    readonly actor: Actor,
    readonly jurisdiction: string,
    readonly consistency?: Consistency,
    readonly at?: string,
  ) {
    super();
  }
}

@QueryHandler(GetTaskStream)
export class GetTaskStreamHandler implements IQueryHandler<GetTaskStream, TaskStream> {
  constructor(@Inject(LinkageGateway) private readonly gateway: LinkageGateway) {}
  execute({ actor, jurisdiction, consistency, at }: GetTaskStream): Promise<TaskStream> {
    return this.gateway.taskStream(actor, jurisdiction, consistency, at);
  }
}
