// The one error type of the HTTP API. Every non-2xx answer has the body
// `{"error":{"code","message","param"?}}`; handlers throw ApiError and the error middleware
// (./error-middleware.ts) writes it, so no handler formats errors itself.
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

  constructor(status: number, code: ApiErrorCode, message: string, param?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.param = param;
  }

  toJSON(): { error: { code: ApiErrorCode; message: string; param?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.param === undefined ? {} : { param: this.param }) } };
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not-found', `${what} not found`);
export const forbidden = (what: string): ApiError => new ApiError(403, 'forbidden', `this token may not read ${what}`);
