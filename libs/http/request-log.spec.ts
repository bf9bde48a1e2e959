import { correlationIdOf } from './request-log.js';

describe('the correlation id of a request', () => {
  it("is the client's X-Request-Id when it is well formed", () => {
    expect(correlationIdOf({ 'x-request-id': 'order-7:retry.2_a' })).toBe('order-7:retry.2_a');
  });

  it('else the trace id of a well-formed traceparent', () => {
    expect(correlationIdOf({ 'x-request-id': 'has spaces', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('else a new one: for a malformed id, an over-long one, a malformed or all-zero trace, or none', () => {
    for (const headers of [
      { 'x-request-id': 'x'.repeat(129) },
      { 'x-request-id': 'bad\nline' },
      { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' },
      { traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      { traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01' },
      {},
    ]) {
      expect(correlationIdOf(headers)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});
