/**
 * The stable problem types (RFC 9457). Clients switch on `type`; every kind listed here is
 * documented in the spec's Problem schema and in docs/problems.md (a test keeps them in step).
 */
export const PROBLEM_TYPES = {
  'validation-error': { status: 400, title: 'Invalid request' },
  'malformed-json': { status: 400, title: 'Malformed JSON' },
  'invalid-cursor': { status: 400, title: 'Invalid cursor' },
  'weak-password': { status: 400, title: 'Password too weak' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  'invalid-credentials': { status: 401, title: 'Invalid credentials' },
  'invalid-refresh-token': { status: 401, title: 'Invalid refresh token' },
  forbidden: { status: 403, title: 'Forbidden' },
  'seller-not-verified': { status: 403, title: 'Seller not verified' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'email-taken': { status: 409, title: 'Email already registered' },
  'invalid-state-transition': { status: 409, title: 'Invalid state transition' },
  'seller-profile-required': { status: 409, title: 'Seller profile required' },
  'insufficient-stock': { status: 409, title: 'Insufficient stock' },
  'insufficient-funds': { status: 409, title: 'Insufficient funds' },
  'payment-declined': { status: 402, title: 'Payment declined' },
  conflict: { status: 409, title: 'Conflict' },
  'idempotency-key-in-flight': { status: 409, title: 'Idempotency key in flight' },
  'not-yet-logged': { status: 409, title: 'Not yet logged' },
  'precondition-failed': { status: 412, title: 'Precondition failed' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency key reused' },
  'transfer-to-self': { status: 422, title: 'Transfer to self' },
  'part-not-orderable': { status: 422, title: 'Part not orderable' },
  'unknown-recipient': { status: 422, title: 'Unknown recipient' },
  'limit-exceeded': { status: 422, title: 'Limit exceeded' },
  'not-refundable': { status: 422, title: 'Not refundable' },
  'refund-exceeds-original': { status: 422, title: 'Refund exceeds original' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'service-unavailable': { status: 503, title: 'Service unavailable' },
  'payment-provider-unavailable': { status: 503, title: 'Payment provider unavailable' },
} as const;

export type ProblemKind = keyof typeof PROBLEM_TYPES;

export const PROBLEM_BASE_URI = 'https://otomoto.dev/problems/';

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

/** Throw anywhere below a handler; the error middleware renders it as problem+json. */
export class Problem extends Error {
  readonly status: number;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'Problem';
    this.status = PROBLEM_TYPES[kind].status;
  }

  body(instance: string, requestId: string): ProblemBody {
    const body: ProblemBody = {
      type: PROBLEM_BASE_URI + this.kind,
      title: PROBLEM_TYPES[this.kind].title,
      status: this.status,
      detail: this.detail,
      instance,
      requestId,
    };
    if (this.extra.errors) body.errors = this.extra.errors;
    return body;
  }
}

export const notFound = (what: string): Problem => new Problem('not-found', `No ${what} with this id.`);

export const validationProblem = (path: string, message: string): Problem =>
  new Problem('validation-error', 'The request does not match the API contract.', { errors: [{ path, message }] });
