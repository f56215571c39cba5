import fc from 'fast-check';
import { canonicalEventText, canonicalJson, eventHash, hashedDocument, sha256Hex, type EventContent } from '../src/modules/trace/event-hash';

/** JSON values as payloads carry them (no floats: money is integers), with keys and text of every kind. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string({ unit: 'binary' }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ unit: 'binary' }), tie('value'), { maxKeys: 5 })),
})).value;

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

const eventArb: fc.Arbitrary<EventContent> = fc.record({
  subject: fc.oneof(
    fc.record({ type: fc.constant('part' as const), id: fc.uuid() }),
    fc.record({ type: fc.constant('account' as const), id: fc.uuid() }),
    fc.record({ type: fc.constant('log' as const), id: fc.string({ unit: 'binary', minLength: 1 }) }),
  ),
  seq: fc.integer({ min: 1, max: 2 ** 53 - 1 }),
  type: fc.string({ unit: 'binary' }),
  actor: fc.oneof(fc.record({ type: fc.constant('user' as const), userId: fc.uuid(), role: fc.constantFrom('buyer' as const, 'seller' as const, 'admin' as const) }), fc.constant({ type: 'system' as const })),
  occurredAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  payload: fc.dictionary(fc.string({ unit: 'binary' }), jsonValue, { maxKeys: 6 }),
  stateHash: hex64,
  prevHash: hex64,
});

describe('the canonical text of a stored event', () => {
  it('is the RFC 8785 text of its document, byte for byte, so the audit can hash the stored columns as they are', () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        const stored = {
          subject_type: event.subject.type,
          subject_id: event.subject.id,
          seq: event.seq,
          type: event.type,
          actor_json: canonicalJson(event.actor),
          occurred_at: event.occurredAt,
          payload_json: canonicalJson(event.payload),
          state_hash: event.stateHash,
          prev_hash: event.prevHash,
        };
        expect(canonicalEventText(stored)).toBe(canonicalJson(hashedDocument(event)));
        expect(sha256Hex(canonicalEventText(stored))).toBe(eventHash(event));
        // A payload stored in another, equivalent spelling is an edit of the stored bytes: it shows.
        const respelled = JSON.stringify(event.payload, null, 1);
        if (respelled !== stored.payload_json) expect(sha256Hex(canonicalEventText({ ...stored, payload_json: respelled }))).not.toBe(eventHash(event));
      }),
      { numRuns: 300 },
    );
  });
});
