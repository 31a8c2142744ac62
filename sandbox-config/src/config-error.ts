// The sandbox-config package's errors: a bad file is a result with issues (untrusted input);
// a setting that cannot be satisfied at start-up (a missing secret) throws a ConfigError.
import { FeedinError } from '@feedin/protocol/errors';

/** One problem in a sandbox file. `path` is like `meters[3].capacityW` ('' for the whole file);
 * `line`/`column` (1-based) point into the file when the problem can be located there. */
export interface ConfigIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class ConfigError extends FeedinError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
