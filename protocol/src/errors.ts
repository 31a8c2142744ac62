/** Base class for misuse of the protocol API (a bug in the caller, not bad input). */
export class FeedinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedinError';
  }
}
