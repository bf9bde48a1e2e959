// Given/when/then for the pure deciders (DESIGN.md §7): *given* these facts, *when* this command,
// *then* these facts or this named refusal. No Nest, no store: the facts are folded into a World.
import type { Actor, Command, DomainEvent, JurisdictionRegistry, RefusalName, Role } from '#domain';
import { Refusal, decide, foldWorld } from '#domain';
// The module itself, not #linkage: a pure spec need not load the adapters.
import { loadReferenceRegistry } from '../../libs/linkage/reference-registry.js';

/** When the given facts happened, and the clock a command runs at unless a test says otherwise. */
export const GIVEN_AT = '2025-03-01T08:00:00.000Z';
export const NOW = '2025-04-01T09:00:00.000Z';

let reference: JurisdictionRegistry | undefined;
/**
 * The reference registry every level starts from (the whole country; the tests' jurisdictions are
 * Fujian's); deciders only read it, so one instance serves every test.
 */
export const fujian = (): JurisdictionRegistry => (reference ??= loadReferenceRegistry());

export const as = (role: Role, jurisdiction: string): Actor => ({ id: `${role}@${jurisdiction}`, jurisdiction, role });

export const given = (...facts: DomainEvent[]) => ({
  when: (command: Command, actor: Actor, now = NOW) => {
    const decision = () => decide(command, foldWorld(facts.map((event) => ({ event, occurredAt: GIVEN_AT }))), { actor, now, registry: fujian() });
    return {
      then: (...expected: DomainEvent[]): void => {
        expect(decision()).toStrictEqual(expected);
      },
      refusedWith: (refusal: RefusalName, field?: string): void => {
        let outcome: unknown;
        try {
          outcome = decision();
        } catch (error) {
          outcome = error;
        }
        expect(outcome).toBeInstanceOf(Refusal);
        const { refusal: name, field: about } = outcome as Refusal;
        expect(field === undefined ? { refusal: name } : { refusal: name, field: about }).toEqual(field === undefined ? { refusal } : { refusal, field });
      },
    };
  },
});
