import type { TaskHistoryEntry, TaskStatus, TaskStream, TaskView } from '../report.js';
import type { QueryContext } from './queries.js';

/** The downward task stream of a jurisdiction (DESIGN.md §5): every task addressed to it, oldest first. */
export class TaskQueries {
  constructor(private readonly context: QueryContext) {}

  taskStream(jurisdiction: string, now: string, position: number): TaskStream {
    const rows = this.context
      .query(
        `SELECT task_id AS taskId, from_jurisdiction AS "from", to_jurisdiction AS toJurisdiction, kind, title, round_id AS roundId, due_by AS dueBy,
                assigned_at AS assignedAt, accepted_at AS acceptedAt, progress_at AS progressAt, percent, completed_at AS completedAt
         FROM tasks WHERE to_jurisdiction = ?`,
      )
      .all(jurisdiction) as (Omit<TaskView, 'status' | 'overdue' | 'completedLate' | 'history'> & { acceptedAt: string | null; progressAt: string | null })[];
    const historyRows = this.context
      .query(
        `SELECT h.task_id AS taskId, h.type, h.at, h.by_actor AS "by", h.note, h.percent, h.result FROM task_history h
         JOIN tasks t ON t.task_id = h.task_id WHERE t.to_jurisdiction = ? ORDER BY h.at, h.position`,
      )
      .all(jurisdiction) as (TaskHistoryEntry & { taskId: string })[];
    const history = new Map<string, TaskHistoryEntry[]>();
    for (const { taskId, ...entry } of historyRows) {
      const list = history.get(taskId) ?? [];
      list.push(entry);
      history.set(taskId, list);
    }
    const nowMillis = Date.parse(now);
    const tasks: TaskView[] = rows.map(({ acceptedAt, progressAt, ...row }) => {
      const status: TaskStatus = row.completedAt !== null ? 'completed' : progressAt !== null ? 'in-progress' : acceptedAt !== null ? 'accepted' : 'assigned';
      return {
        ...row,
        status,
        overdue: status !== 'completed' && Date.parse(row.dueBy) < nowMillis,
        completedLate: row.completedAt !== null && Date.parse(row.completedAt) > Date.parse(row.dueBy),
        history: history.get(row.taskId) ?? [],
      };
    });
    const firstSeen = (task: TaskView): string => task.assignedAt ?? task.history[0]?.at ?? '';
    tasks.sort((a, b) => firstSeen(a).localeCompare(firstSeen(b)) || a.taskId.localeCompare(b.taskId));
    const completed = tasks.filter((task) => task.status === 'completed').length;
    return { jurisdiction, asOf: now, position, count: tasks.length, open: tasks.length - completed, overdue: tasks.filter((task) => task.overdue).length, completed, tasks };
  }
}
