import type { Message } from '../kernel/envelope.js';

/** Which body of a jurisdiction authorises: its inspection leading group (巡视巡察工作领导小组) or its party committee (党委). */
export const AUTHORISING_OFFICES = ['leading-group', 'party-committee'] as const;
export type AuthorisingOffice = (typeof AUTHORISING_OFFICES)[number];

/** What an authorisation allows the grantee to do in the round. */
export const AUTHORISED_ACTS = ['run-round', 'station-teams'] as const;
export type AuthorisedAct = (typeof AUTHORISED_ACTS)[number];

/** A party whose authorisation a round needs (双授权: the city's leading group and the inspected county's party committee). */
export interface AuthorisingParty {
  jurisdiction: string;
  office: AuthorisingOffice;
}

/** What a round declares about its authority: absent on rounds that need none. */
export interface RoundAuthority {
  authorisedBy: AuthorisingParty[];
  /** 授权巡视: the jurisdiction in whose name the round runs (the owner or an ancestor). */
  delegatedBy: string | null;
  /** 联合巡察: the jurisdictions below the owner that run the round with it. */
  coOwners: string[];
}

export type GrantAuthorisation = Message<
  'grantAuthorisation',
  {
    authorisationId: string;
    roundId: string;
    grantee: string;
    granteeBody?: string;
    office: AuthorisingOffice;
    acts: AuthorisedAct[];
    unitIds?: string[];
    validFrom: string;
    validTo?: string;
    reference: string;
    signedBy?: string;
  }
>;
export type RevokeAuthorisation = Message<'revokeAuthorisation', { authorisationId: string; roundId: string; reason?: string }>;

export type AuthorityCommand = GrantAuthorisation | RevokeAuthorisation;

export type AuthorisationGranted = Message<
  'AuthorisationGranted',
  {
    authorisationId: string;
    roundId: string;
    grantor: string;
    office: AuthorisingOffice;
    grantee: string;
    granteeBody: string | null;
    acts: AuthorisedAct[];
    /** The units it covers; null: every target of the round. */
    unitIds: string[] | null;
    validFrom: string;
    validTo: string | null;
    /** The authorising document's number. */
    reference: string;
    /** Who signed it: personal, it stays at the grantor's level (null elsewhere). */
    signedBy: string | null;
  }
>;
export type AuthorisationRevoked = Message<
  'AuthorisationRevoked',
  { authorisationId: string; roundId: string; grantor: string; grantee: string; revokedAt: string; reason: string | null }
>;

export type AuthorityEvent = AuthorisationGranted | AuthorisationRevoked;
