// The one error type of the HTTP API. Every non-2xx answer has the body
// `{"error":{"code","message","param"?,"refusal"?}}`; handlers throw ApiError and the error
// middleware (./error-middleware.ts) writes it, so no handler formats errors itself. `refusal` is
// a contract's refusal with its machine code (./chain-refusal.ts).
import type { ChainRefusal } from '@feedin/gateway/settlement/chain-errors';
export type ApiErrorCode =
  | 'bad-request'
  | 'invalid-parameter'
  | 'unknown-parameter'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-many-requests'
  | 'unavailable'
  | 'internal';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly param: string | undefined;
  readonly refusal: ApiRefusal | undefined;

  constructor(status: number, code: ApiErrorCode, message: string, param?: string, refusal?: ApiRefusal) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.param = param;
    this.refusal = refusal;
  }

  toJSON(): { error: { code: ApiErrorCode; message: string; param?: string; refusal?: ApiRefusal } } {
    return {
      error: { code: this.code, message: this.message, ...(this.param === undefined ? {} : { param: this.param }), ...(this.refusal === undefined ? {} : { refusal: this.refusal }) },
    };
  }
}

/** A contract refusal as the API gives it: the error's name and arguments, and the message key
 * and params a translated page renders (the English text is the error's `message`). */
export type ApiRefusal = Pick<ChainRefusal, 'code' | 'args' | 'key' | 'params'>;

export const notFound = (what: string): ApiError => new ApiError(404, 'not-found', `${what} not found`);
export const forbidden = (what: string): ApiError => new ApiError(403, 'forbidden', `this token may not read ${what}`);
