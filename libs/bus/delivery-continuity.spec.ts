import { DeliveryContinuity } from './delivery-continuity.js';

const TOPIC = 'linkage.county.v1';

describe('DeliveryContinuity', () => {
  it('sees no gap when the first batch of an assignment starts at the committed offset, or before it (a repeat)', () => {
    const continuity = new DeliveryContinuity();
    continuity.committed(TOPIC, 2, '100');
    expect(continuity.arrived(TOPIC, 2, '100')).toBeUndefined();
    expect(continuity.arrived(TOPIC, 2, '97')).toBeUndefined();
  });

  it('names the missing offsets when the bus goes on past the committed offset', () => {
    const continuity = new DeliveryContinuity();
    continuity.committed(TOPIC, 2, '100');
    expect(continuity.arrived(TOPIC, 2, '150')).toEqual({ topic: TOPIC, partition: 2, fromOffset: '100', toOffset: '150', missing: 50 });
  });

  it('counts from the first message ever written when the group never committed', () => {
    const continuity = new DeliveryContinuity();
    continuity.committed(TOPIC, 0, '-1');
    expect(continuity.arrived(TOPIC, 0, '0')).toBeUndefined();
    continuity.committed(TOPIC, 1, '-1');
    expect(continuity.arrived(TOPIC, 1, '7')).toEqual({ topic: TOPIC, partition: 1, fromOffset: '0', toOffset: '7', missing: 7 });
  });

  it('follows on from the last message handled while the partition stays assigned', () => {
    const continuity = new DeliveryContinuity();
    continuity.committed(TOPIC, 0, '0');
    continuity.handled(TOPIC, 0, '9');
    expect(continuity.arrived(TOPIC, 0, '10')).toBeUndefined();
    continuity.handled(TOPIC, 0, '19');
    expect(continuity.arrived(TOPIC, 0, '25')).toEqual({ topic: TOPIC, partition: 0, fromOffset: '20', toOffset: '25', missing: 5 });
    // Other partitions and topics keep their own expectations.
    expect(continuity.arrived(TOPIC, 1, '500')).toBeUndefined();
    expect(continuity.arrived('linkage.city.v1', 0, '500')).toBeUndefined();
  });

  it('expects nothing of a partition after a new assignment until its committed offset is known again', () => {
    const continuity = new DeliveryContinuity();
    continuity.committed(TOPIC, 0, '10');
    continuity.forgetAll();
    expect(continuity.knows(TOPIC, 0)).toBe(false);
    expect(continuity.arrived(TOPIC, 0, '500')).toBeUndefined();
  });

  it('keeps offsets beyond 2^53 exact', () => {
    const continuity = new DeliveryContinuity();
    continuity.committed(TOPIC, 0, '9007199254740993');
    expect(continuity.arrived(TOPIC, 0, '9007199254740995')).toMatchObject({ fromOffset: '9007199254740993', toOffset: '9007199254740995', missing: 2 });
  });
});
