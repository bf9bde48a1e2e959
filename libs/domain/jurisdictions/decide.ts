import type { DecisionContext } from '../kernel/decision.js';
import { requireRole } from '../kernel/decision.js';
import { levelDepth } from '../kernel/actor.js';
import { refuse } from '../kernel/refusal.js';
import type { World } from '../world.js';
import type { JurisdictionRegistered, RegisterJurisdiction } from './messages.js';

export const decideRegisterJurisdiction = (command: RegisterJurisdiction, world: World, context: DecisionContext): JurisdictionRegistered[] => {
  requireRole(context, command.type, 'admin');
  const { code, name, level } = command.data;
  const parent = command.data.parent ?? null;
  if (context.registry.get(code) || world.jurisdictions.has(code)) refuse('AlreadyRegistered', `jurisdiction ${code} is already registered`, 'code');
  if (level === 'province') {
    if (parent !== null) refuse('InvalidParent', 'a province has no parent', 'parent');
  } else {
    if (parent === null) refuse('InvalidParent', `a ${level} needs a parent`, 'parent');
    const parentEntry = context.registry.get(parent!);
    if (!parentEntry) return refuse('UnknownJurisdiction', `parent ${parent} is not registered`, 'parent');
    if (levelDepth(parentEntry.level) >= levelDepth(level)) {
      refuse('InvalidParent', `a ${level} cannot report to ${parentEntry.level} ${parent}`, 'parent');
    }
  }
  return [{ type: 'JurisdictionRegistered', data: { code, name, level, parent } }];
};
