/** The authority context: authorisations of rounds (双授权, 授权巡视, 联合巡察), granted and revoked. */
import type { CommandCatalogue, EventCatalogue } from '../kernel/catalogue.js';
import { roundIdOf } from '../kernel/catalogue.js';
import { field, inputOf } from '../kernel/schema.js';
import { streams } from '../streams.js';
import type { Authorisation } from '../world.js';
import { decideGrantAuthorisation, decideRevokeAuthorisation } from './decide.js';
import type { AuthorityCommand, AuthorityEvent } from './messages.js';
import { AUTHORISED_ACTS, AUTHORISING_OFFICES } from './messages.js';

export const authorityCommands: CommandCatalogue<AuthorityCommand['type']> = {
  grantAuthorisation: {
    summary: "leading group: authorise a round's owner to run it or station its teams (双授权, 授权巡视, 联合巡察), from a date, by a document",
    roles: ['leading-group'],
    input: inputOf<Extract<AuthorityCommand, { type: 'grantAuthorisation' }>['data']>()({
      authorisationId: field.id(),
      roundId: field.id('the round it authorises; it may be planned later'),
      grantee: field.code("the jurisdiction that runs the round (the round's owner)"),
      granteeBody: field.optional(field.text(200, { description: 'the body authorised: a unit party group (省教育厅党组), a cross team' })),
      office: field.oneOf(AUTHORISING_OFFICES, "which body of the actor's jurisdiction authorises: its leading group or its party committee"),
      acts: field.list(field.oneOf(AUTHORISED_ACTS), 1, AUTHORISED_ACTS.length, 'what it allows'),
      unitIds: field.optional(field.list(field.id(), 1, 1000, 'the units it covers; absent: every target of the round')),
      validFrom: field.instant('in force from (domain time)'),
      validTo: field.optional(field.instant('in force until, exclusive; absent: until revoked')),
      reference: field.text(100, { description: 'the authorising document number' }),
      signedBy: field.optional(field.id('who signed it (personal: stays at this level)')),
    }),
    example: {
      authorisationId: 'ds-auth-zz-2021-cross',
      roundId: 'zz-2021-cross',
      grantee: '350600',
      granteeBody: '漳州市委第二交叉巡察组',
      office: 'party-committee',
      acts: ['run-round', 'station-teams'],
      validFrom: '2021-04-01T00:00:00+08:00',
      validTo: '2021-12-31T00:00:00+08:00',
      reference: '东委〔2021〕12号',
    },
    target: (data) => streams.authorisations(data.roundId),
    reads: (data) => [streams.round(data.roundId)],
    decide: decideGrantAuthorisation,
  },
  revokeAuthorisation: {
    summary: 'leading group: revoke an authorisation it granted, from the command\u2019s domain time on',
    roles: ['leading-group'],
    input: inputOf<Extract<AuthorityCommand, { type: 'revokeAuthorisation' }>['data']>()({
      authorisationId: field.id(),
      roundId: field.id(),
      reason: field.optional(field.text(500)),
    }),
    example: { authorisationId: 'ds-auth-zz-2021-cross', roundId: 'zz-2021-cross', reason: '巡察组组长调整' },
    target: (data) => streams.authorisations(data.roundId),
    reads: () => [],
    decide: decideRevokeAuthorisation,
  },
};

export const authorityEvents: EventCatalogue<AuthorityEvent['type']> = {
  AuthorisationGranted: {
    stream: (data) => streams.authorisations(data.roundId),
    evolve: (world, data) => {
      const known = world.authorisations.get(data.roundId) ?? [];
      if (known.some((authorisation) => authorisation.authorisationId === data.authorisationId)) return;
      const granted: Authorisation = {
        authorisationId: data.authorisationId,
        roundId: data.roundId,
        grantor: data.grantor,
        office: data.office,
        grantee: data.grantee,
        acts: data.acts,
        unitIds: data.unitIds,
        validFrom: data.validFrom,
        validTo: data.validTo,
        reference: data.reference,
        revokedAt: null,
      };
      world.authorisations.set(data.roundId, [...known, granted]);
    },
    concerns: (data) => [data.grantor, data.grantee],
    // Every level, as the round it authorises: a joint round's co-owners (联合巡察) station their own
    // teams under the round's authorisations, so their levels must know each party's grant and revocation.
    announce: 'everyone',
    // Who signed the document is a person: the signature stays with the grantor's level.
    publicView: (data) => ({ ...data, signedBy: null }),
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  AuthorisationRevoked: {
    stream: (data) => streams.authorisations(data.roundId),
    evolve: (world, data) => {
      const known = world.authorisations.get(data.roundId);
      if (!known) return;
      world.authorisations.set(
        data.roundId,
        known.map((authorisation) => (authorisation.authorisationId === data.authorisationId && authorisation.revokedAt === null ? { ...authorisation, revokedAt: data.revokedAt } : authorisation)),
      );
    },
    concerns: (data) => [data.grantor, data.grantee],
    announce: 'everyone',
    publicView: (data) => data,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
};
