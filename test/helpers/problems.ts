import type { Response } from 'supertest';
import { PROBLEM_BASE_URI, type ProblemKind } from '../../src/http/problems';

/** Asserts an RFC 9457 problem of the given kind, and that it leaks nothing internal. */
export function expectProblem(res: Response, status: number, kind: ProblemKind): Record<string, unknown> {
  expect({ status: res.status, type: res.body?.type }).toEqual({ status, type: PROBLEM_BASE_URI + kind });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), instance: expect.any(String) });
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
  expect(JSON.stringify(res.body)).not.toMatch(/\bat \S+ \(|select |insert |update |sqlite|node_modules|\/work\//i);
  return res.body as Record<string, unknown>;
}

export const fieldPaths = (res: Response): string[] => ((res.body.errors ?? []) as { path: string }[]).map((e) => e.path);
