// GET /api/reports/daily?date=YYYY-MM-DD&format=json|csv — the regulator's daily report
// (gateway/src/reports/daily-report.ts), and GET /report, its printable page. Regulator only: the
// report names every household's payee and amounts.
import { Router } from 'express';
import { dailyReportCsv } from '@feedin/gateway/reports/daily-report-csv';
import { fail, ok } from '@feedin/protocol/result';
import { requireRole } from '../auth/authenticate.js';
import { ApiError } from '../http/api-error.js';
import { PUBLIC_DIR } from '../http/pages.js';
import { readQuery, type Parser } from '../http/query.js';
import type { DashboardPorts } from '../ports.js';

const parseDay: Parser<string> = (raw) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (!m || new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) !== raw) return fail('invalid-date', 'expected a calendar day YYYY-MM-DD');
  return ok(raw);
};
const parseFormat: Parser<'json' | 'csv'> = (raw) => (raw === 'json' || raw === 'csv' ? ok(raw) : fail('invalid-format', 'expected json or csv'));

export function reportRoutes(ports: Pick<DashboardPorts, 'dailyReport'>): Router {
  const router = Router();
  router.get('/report', (_req, res) => res.set('Cache-Control', 'no-cache').sendFile('report.html', { root: PUBLIC_DIR }));

  router.get('/api/reports/daily', requireRole('regulator'), async (req, res) => {
    const { date, format = 'json' } = readQuery(req.query, { date: parseDay, format: parseFormat });
    if (!date) throw new ApiError(400, 'invalid-parameter', 'date: required, a sandbox-local day YYYY-MM-DD', 'date');
    if (!ports.dailyReport) throw new ApiError(503, 'unavailable', 'reports are not wired in this sandbox');
    const report = await ports.dailyReport(date);
    if (format === 'csv') {
      res.set('Content-Disposition', `attachment; filename="feedin-daily-${date}.csv"`).type('text/csv; charset=utf-8').send(dailyReportCsv(report));
      return;
    }
    res.json(report);
  });
  return router;
}
