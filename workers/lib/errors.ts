/**
 * The one error thrown at Kiln's boundaries (HTTP routes, runtime services). The HTTP layer turns
 * it into a problem document (workers/http/errors.ts). Imports nothing but contracts.
 */
import type { ErrorCode, FieldIssue, Problem } from "./contracts/problem";

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

export interface AppErrorExtras {
  issues?: FieldIssue[];
  runId?: string;
  /** Overrides the default (retryable for 429, 502, 503 and 504), e.g. from a NonRetriableError. */
  retryable?: boolean;
  location?: Problem["location"];
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: ErrorStatus,
    readonly publicMessage: string,
    readonly extras: AppErrorExtras = {},
  ) {
    super(publicMessage, { cause: extras.cause });
    this.name = "AppError";
  }
}

export const notFound = (what: string) => new AppError("not_found", 404, `${what} was not found`);
