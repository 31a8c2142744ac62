// The last two middlewares: unknown routes answer 404 JSON, and every error a handler throws or
// rejects with (express 5 forwards rejected promises) is answered as JSON. Unexpected errors are
// logged with their stack and answered 500 without it: internals stay in the log.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApiError } from './api-error.js';
import { apiErrorFromChain } from './chain-refusal.js';

export const unknownRoute: RequestHandler = (req) => {
  throw new ApiError(404, 'not-found', `no route ${req.method} ${req.path}`);
};

export function errorMiddleware(log: (line: string) => void): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let answer: ApiError;
    const refused = apiErrorFromChain(error);
    if (error instanceof ApiError) answer = error;
    // A contract refusal no route translated itself still answers in words, with its code.
    else if (refused) answer = refused;
    else if (isClientError(error)) {
      // body-parser and friends: malformed JSON, body too large, wrong charset.
      answer = new ApiError(error.status, 'bad-request', error.expose && error.message ? error.message : 'bad request');
    } else {
      log(`dashboard: ${req.method} ${req.originalUrl} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      answer = new ApiError(500, 'internal', 'internal error; see the dashboard log');
    }
    if (res.headersSent) {
      // A stream (SSE) already started: nothing can be answered, only ended.
      res.end();
      return;
    }
    res.status(answer.status).set('Cache-Control', 'no-store').json(answer.toJSON());
  };
}

function isClientError(error: unknown): error is { status: number; expose?: boolean; message?: string } {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
