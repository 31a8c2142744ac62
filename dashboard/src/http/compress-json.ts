// gzip for large JSON answers (RFC 9110 §8.4: only when the client accepts it). A 10,000-meter
// list is megabytes of repetitive JSON; compressed it is a tenth. Small answers go as they are:
// compressing them costs more than it saves. Level 1: the fastest, and most of the gain.
import { gzipSync } from 'node:zlib';
import type { RequestHandler } from 'express';

export const COMPRESS_MIN_BYTES = 32 * 1024;

export const compressJson: RequestHandler = (req, res, next) => {
  if (!/\bgzip\b/.test(req.get('accept-encoding') ?? '')) return next();
  const json = res.json.bind(res);
  res.json = (body?: unknown) => {
    const replacer = req.app.get('json replacer') as ((key: string, value: unknown) => unknown) | undefined;
    const text = JSON.stringify(body, replacer);
    if (text === undefined || Buffer.byteLength(text) < COMPRESS_MIN_BYTES) return json(body);
    res.set({ 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
    return res.send(gzipSync(text, { level: 1 }));
  };
  next();
};
