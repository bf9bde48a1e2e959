/**
 * Every way the domain can refuse a command, as a named value. The HTTP layer maps the kind to a
 * status (forbidden 403, not-found 404, conflict 409, rule 422); the name travels to the client.
 */
export const REFUSALS = {
  // who may act
  RoleNotAllowed: 'forbidden',
  OutsideJurisdiction: 'forbidden',
  ReadOnlyRole: 'forbidden',
  // what must exist
  UnknownJurisdiction: 'not-found',
  UnknownUnit: 'not-found',
  UnknownRound: 'not-found',
  UnknownTeam: 'not-found',
  UnknownIssue: 'not-found',
  UnknownClue: 'not-found',
  UnknownRectification: 'not-found',
  UnknownTask: 'not-found',
  UnknownHandover: 'not-found',
  // a fact is recorded once
  AlreadyRegistered: 'conflict',
  AlreadyRecorded: 'conflict',
  AlreadyCompleted: 'conflict',
  ConcurrentChange: 'conflict',
  // lifecycle and linkage rules
  RoundNotPlanned: 'rule',
  RoundNotLaunched: 'rule',
  RoundClosed: 'rule',
  TeamNotInRound: 'rule',
  TeamNotStationedAtUnit: 'rule',
  UnitNotTargeted: 'rule',
  UnitOutsideJurisdiction: 'rule',
  MemberMustRecuse: 'rule',
  DuplicateMember: 'rule',
  ParentRoundNotOfAncestor: 'rule',
  IssueNotInRound: 'rule',
  IssueNotAtUnit: 'rule',
  ClueConcluded: 'rule',
  NotAnAncestor: 'rule',
  NotADescendant: 'rule',
  EscalationNotAddressedHere: 'rule',
  NotEscalated: 'rule',
  AlreadyEscalated: 'rule',
  AlreadyAdopted: 'rule',
  TaskNotAccepted: 'rule',
  TaskAlreadyAccepted: 'rule',
  InvalidParent: 'rule',
  InvalidTime: 'rule',
  // follow-through (DESIGN.md §8)
  LookBackOfNeedsLookBackRound: 'rule',
  NotUnderLookBack: 'rule',
  RectificationNotOpen: 'rule',
  DuplicateMeasure: 'rule',
  RectificationNotCompleted: 'rule',
  NotTheRequiringJurisdiction: 'forbidden',
  ReasonRequired: 'rule',
  AlreadyAnswered: 'conflict',
  AlreadySupervised: 'conflict',
  // inspector pool (docs/contract-pool.md)
  UnknownInspector: 'not-found',
  InspectorWithdrawn: 'rule',
  InspectorNotOnTeam: 'rule',
  RoundStillOpen: 'rule',
  NothingToUpdate: 'rule',
  DuplicateSpecialty: 'rule',
  TeamLacksCoreSpecialties: 'rule',
  // authority (docs/contract-authority.md)
  UnknownAuthorisation: 'not-found',
  AuthorityOutsideLine: 'rule',
  GranteeNotRoundOwner: 'rule',
  AuthoriserNotDeclared: 'rule',
  AuthorisationMissing: 'rule',
} as const;

export type RefusalName = keyof typeof REFUSALS;
export type RefusalKind = (typeof REFUSALS)[RefusalName];

/** A command the domain will not turn into facts. Thrown by deciders, caught at the edge. */
export class Refusal extends Error {
  readonly kind: RefusalKind;
  constructor(
    readonly refusal: RefusalName,
    message: string,
    /** The command field the refusal is about, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = refusal;
    this.kind = REFUSALS[refusal];
  }
}

export const refuse = (refusal: RefusalName, message: string, field?: string): never => {
  throw new Refusal(refusal, message, field);
};
