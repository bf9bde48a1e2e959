import type { DomainEvent } from '#domain';
import { attributedJurisdictions, audienceOf, emptyWorld, evolve, levelsAbove, publicData, streamOf } from '#domain';
import { ZHANGZHOU, ZHAOAN, ZHAOAN_DEPOT, issueFound, taskAssigned } from '../../../test/support/facts.js';
import { fujian } from '../../../test/support/given-when-then.js';

const signed = (level: 'province' | 'city' | 'county'): DomainEvent => ({
  type: 'ChainHeadSigned',
  data: { level, position: 41, hash: 'ab'.repeat(32), signedAt: '2021-11-20T01:00:00.000Z', algorithm: 'Ed25519', publicKey: 'MCowBQYDK2VwAyEA', keyId: 'cd'.repeat(32), signature: 'c2ln' },
});

describe('ChainHeadSigned', () => {
  it('travels to every level above its signer and nowhere else', () => {
    expect(audienceOf(signed('county'), '350000', 'county', fujian())).toEqual(['province', 'city']);
    expect(audienceOf(signed('city'), '350000', 'city', fujian())).toEqual(['province']);
    expect(audienceOf(signed('province'), '350000', 'province', fujian())).toEqual([]);
    expect(levelsAbove('county')).toEqual(['province', 'city']);
  });

  it("lives in its signer's audit-chain stream, travels whole, and changes no aggregate", () => {
    expect(streamOf(signed('city'))).toBe('audit-chain-city');
    expect(publicData(signed('city'))).toEqual(signed('city'));
    const world = evolve(emptyWorld(), signed('county'), '2021-11-20T01:00:00.000Z');
    expect(world).toEqual(emptyWorld());
  });

  it('is attributed to no jurisdiction, while other facts are attributed to their owners and subjects', () => {
    expect(attributedJurisdictions(signed('county'))).toEqual([]);
    expect(attributedJurisdictions(issueFound('i-1', 'zz-r', 'zz-t', ZHANGZHOU, ZHAOAN_DEPOT))).toEqual([ZHANGZHOU, ZHAOAN]);
    expect(attributedJurisdictions(taskAssigned('t-1', ZHANGZHOU, ZHAOAN))).toEqual([ZHANGZHOU, ZHAOAN]);
  });
});
