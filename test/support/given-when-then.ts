// Given/when/then for the pure deciders (DESIGN.md §7): *given* these facts, *when* this command,
// *then* these facts or this named refusal. No Nest, no store: the facts are folded into a World.
import { readFileSync } from 'node:fs';
import type { Actor, Command, DomainEvent, RefusalName, Role } from '#domain';
import { JurisdictionRegistry, Refusal, decide, foldWorld, parseJurisdictionCsv } from '#domain';

/** When the given facts happened, and the clock a command runs at unless a test says otherwise. */
export const GIVEN_AT = '2025-03-01T08:00:00.000Z';
export const NOW = '2025-04-01T09:00:00.000Z';

const REFERENCE = new URL('../../libs/linkage/reference/jurisdictions-fujian.csv', import.meta.url);
let reference: JurisdictionRegistry | undefined;
/** The Fujian reference registry; deciders only read it, so one instance serves every test. */
export const fujian = (): JurisdictionRegistry => (reference ??= JurisdictionRegistry.of(parseJurisdictionCsv(readFileSync(REFERENCE, 'utf8'))));

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
