// The dashboard's HTTP app: the API of docs/design.md §Interfaces for people and their tools, the
// session login, server-sent events, /metrics and the pages. It reads everything through
// DashboardPorts; the composition root (cli `feedin up`) wires the gateway into them.
import express from 'express';
import { authenticate } from './auth/authenticate.js';
import { createPayeeResolver, createTokenResolver, type DashboardTokens } from './auth/role-tokens.js';
import { createSiweNonceStore, type SiweNonceStore } from './auth/siwe-nonces.js';
import { createLoginLimiter, type LoginLimit } from './auth/login-limiter.js';
import { createSessionStore, type SessionStore } from './auth/sessions.js';
import { createDashboardMetrics } from './dashboard-metrics.js';
import { compressJson } from './http/compress-json.js';
import { errorMiddleware, unknownRoute } from './http/error-middleware.js';
import { pageRoutes } from './http/pages.js';
import { securityHeaders } from './http/security-headers.js';
import type { DashboardPorts } from './ports.js';
import { batchRoutes } from './routes/batches.js';
import { eventRoutes, type EventStreamOptions } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { meterRoutes } from './routes/meters.js';
import { metricsRoutes } from './routes/metrics.js';
import { operatorRoutes } from './routes/operator.js';
import { payoutRoutes } from './routes/payouts.js';
import { rejectionRoutes } from './routes/rejections.js';
import { reportRoutes } from './routes/reports.js';
import { regulatorRoutes, type RegulatorPort } from './routes/regulator.js';
import { sessionRoutes, type SandboxInfo } from './routes/session.js';
import { siweSessionRoutes } from './routes/siwe-session.js';
import { statusRoutes } from './routes/status.js';

export interface CreateDashboardAppParameters {
  ports: DashboardPorts;
  tokens: DashboardTokens;
  log: (line: string) => void;
  /** shown by the pages (GET /api/whoami); defaults fit the default sandbox */
  info?: Partial<SandboxInfo>;
  /** server-sent events tuning; tests shorten the heartbeat */
  events?: Partial<Pick<EventStreamOptions, 'heartbeatMs' | 'maxBufferedBytes'>>;
  sessions?: SessionStore;
  /** the regulator's controls (/api/regulator/…); absent = not mounted (404) */
  regulator?: RegulatorPort;
  /** express `trust proxy` (dashboard.trustProxy): behind a TLS proxy the cookie is Secure */
  trustProxy?: boolean | number | string;
  /** login attempts per client (default DEFAULT_LOGIN_LIMIT) */
  loginLimit?: LoginLimit;
  /** Sign-In with Ethereum: the nonces (tests pass a store on a fake wall clock) and the
   * authorities (host:port) the messages must name; default: the address each connection reached */
  siwe?: { nonces?: SiweNonceStore; domains?: readonly string[]; wallNowMs?: () => number };
}

export function createDashboardApp({ ports, tokens, log, info, events, sessions = createSessionStore(), regulator, trustProxy = false, loginLimit, siwe }: CreateDashboardAppParameters): express.Express {
  const resolveToken = createTokenResolver(tokens, ports.meterIdsOfHousehold?.bind(ports));
  const metrics = createDashboardMetrics();
  const sandboxInfo: SandboxInfo = {
    sandboxName: info?.sandboxName ?? 'feedin sandbox',
    // Only what pages need: the config's token section also holds the escrow amount.
    token: info?.token ? { symbol: info.token.symbol, decimals: info.token.decimals } : { symbol: 'sVND', decimals: 0 },
    intervalMinutes: info?.intervalMinutes ?? 15,
    timeZone: info?.timeZone ?? 'UTC',
    locale: info?.locale ?? 'en',
    currency: info?.currency ?? null,
    householdNames: info?.householdNames ?? {},
    chainId: info?.chainId ?? 31337,
    caps: info?.caps ?? { exportCapPercentOfCapacity: null, householdDailyCap: null, batchCap: null, budget: null, legalBasis: null },
  };
  const limiter = createLoginLimiter(loginLimit);

  const app = express();
  app.disable('x-powered-by');
  // req.secure and req.ip follow X-Forwarded-* only from proxies the sandbox file trusts.
  app.set('trust proxy', trustProxy);
  // Amounts are bigints in the gateway; should one reach a response, it is sent as a decimal string.
  app.set('json replacer', (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));

  app.use(metrics.countResponses);
  app.use(securityHeaders({ chainRpcUrl: ports.chainRpcUrl }));
  app.use(compressJson);
  app.use(authenticate({ resolveToken, sessions }));
  app.use(pageRoutes());
  app.use(sessionRoutes({ resolveToken, sessions, info: sandboxInfo, limiter, log }));
  app.use(
    siweSessionRoutes({
      resolvePayee: createPayeeResolver(tokens, ports.meterIdsOfHousehold?.bind(ports)),
      sessions,
      nonces: siwe?.nonces ?? createSiweNonceStore({ wallNowMs: siwe?.wallNowMs }),
      info: sandboxInfo,
      limiter,
      log,
      domains: siwe?.domains,
      wallNowMs: siwe?.wallNowMs,
    }),
  );
  app.use(healthRoutes(ports, log));
  app.use(meterRoutes(ports));
  app.use(batchRoutes(ports));
  app.use(payoutRoutes(ports));
  app.use(rejectionRoutes(ports));
  app.use(reportRoutes(ports));
  if (regulator) app.use(regulatorRoutes(regulator));
  app.use(statusRoutes(ports, log));
  app.use(operatorRoutes(ports, log));
  app.use(
    eventRoutes(ports, {
      heartbeatMs: events?.heartbeatMs ?? 15_000,
      maxBufferedBytes: events?.maxBufferedBytes ?? 1 << 20,
      onClientsChanged: metrics.sseClientsChanged,
    }),
  );
  app.use(metricsRoutes(ports, metrics.render));
  app.use(unknownRoute);
  app.use(errorMiddleware(log));
  return app;
}
