/**
 * Who may see what (DESIGN.md §4 and the read rules): an actor works on its own branch of the
 * jurisdiction tree, its own jurisdiction, its ancestors and its descendants. What another branch
 * holds (a sibling county's units, rounds, issues) must look to it exactly like what does not
 * exist, in reads and in command refusals alike, or a refusal would tell a county what its
 * neighbour is inspecting.
 */
import type { JurisdictionLookup } from '../jurisdictions/registry.js';
import type { Actor } from '../kernel/actor.js';
import type { World } from '../world.js';

/** `jurisdiction` is the actor's own, one of its ancestors or one of its descendants (admin: any). */
export const onActorsBranch = (registry: JurisdictionLookup, actor: Actor, jurisdiction: string): boolean =>
  actor.role === 'admin' || registry.isSelfOrAncestor(actor.jurisdiction, jurisdiction) || registry.isSelfOrAncestor(jurisdiction, actor.jurisdiction);

/** The actor may read `jurisdiction`'s figures and lists: its own subtree only (admin: every registered one). */
export const mayReadJurisdiction = (registry: JurisdictionLookup, actor: Actor, jurisdiction: string): boolean =>
  registry.get(jurisdiction) !== undefined && (actor.role === 'admin' || registry.isSelfOrAncestor(actor.jurisdiction, jurisdiction));

/** Each kind of entity a World holds, with the jurisdictions it concerns (seen from any of them). */
const entityKinds = (world: World): [Map<string, unknown>, (entity: never) => string[]][] => [
  [world.units, (unit: { jurisdiction: string }) => [unit.jurisdiction]],
  [world.rounds, (round: { owner: string }) => [round.owner]],
  [world.teams, (team: { owner: string }) => [team.owner]],
  [world.issues, (issue: { owner: string; unitJurisdiction: string }) => [issue.owner, issue.unitJurisdiction]],
  [world.clues, (clue: { owner: string; attributedTo: string }) => [clue.owner, clue.attributedTo]],
  [world.rectifications, (rectification: { owner: string; unitJurisdiction: string }) => [rectification.owner, rectification.unitJurisdiction]],
  [world.tasks, (task: { from: string; toJurisdiction: string }) => [task.from, task.toJurisdiction]],
  [world.handovers, (handover: { owner: string; unitJurisdiction: string }) => [handover.owner, handover.unitJurisdiction]],
];

/**
 * An entity is another branch's when none of the jurisdictions it concerns lies in the actor's
 * subtree and one of them lies off the actor's branch: a task the city addressed to a sibling
 * county, an issue the city found at a sibling's unit. What concerns only the actor's ancestors
 * (a province round a county links its own round to) stays in view.
 */
const offBranch = (registry: JurisdictionLookup, actor: Actor, concerns: readonly string[]): boolean =>
  !concerns.some((code) => registry.isSelfOrAncestor(actor.jurisdiction, code)) && concerns.some((code) => !onActorsBranch(registry, actor, code));

/** Whether any entity `world` knows lies wholly on another branch than the actor's. */
export const holdsOtherBranches = (world: World, actor: Actor, registry: JurisdictionLookup): boolean =>
  actor.role !== 'admin' &&
  entityKinds(world).some(([entities, concerns]) => [...entities.values()].some((entity) => offBranch(registry, actor, concerns(entity as never))));

/**
 * Removes from `world` (in place) every entity that lies wholly on another branch than the actor's,
 * so that a decision refuses it as unknown. An entity concerning two jurisdictions (an issue of a
 * city round at a county unit) is seen from both.
 */
export const hideOtherBranches = (world: World, actor: Actor, registry: JurisdictionLookup): World => {
  if (actor.role === 'admin') return world;
  for (const [entities, concerns] of entityKinds(world)) {
    for (const [id, entity] of entities) if (offBranch(registry, actor, concerns(entity as never))) entities.delete(id);
  }
  return world;
};
