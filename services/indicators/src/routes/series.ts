// GET /v1/indicators/{id}/series: the time series of one unit beside its district's and Berlin's (JSON or CSV).
import { type App, problemResponses } from '@datenpool/service-kit';
import { readableIndicator } from '../access.ts';
import type { IndicatorConfig } from '../config.ts';
import { valuesCsv } from '../csv.ts';
import { sendBody, sendCsvw } from '../formats.ts';
import { querySeries } from '../queries/values.ts';
import { answerFreshness } from '../freshness.ts';
import { idParams, seriesQuery, seriesResponse } from '../schemas.ts';
import { valuesXlsx, XLSX_TYPE } from '../xlsx.ts';

export async function seriesRoutes(app: App, _config: IndicatorConfig): Promise<void> {
  app.get(
    '/v1/indicators/:id/series',
    {
      schema: {
        summary: 'Time series of an indicator for one unit, with the series of its district and of Berlin',
        tags: ['indicators'],
        params: idParams,
        querystring: seriesQuery,
        response: { 200: seriesResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const q = request.query;
      await readableIndicator(app.database, request, id);
      const dialect = { sep: q.sep, decimal: q.decimal };
      if (q.f === 'csvw') {
        return sendCsvw(reply, request.url, `Zeitreihe ${id}`, dialect);
      }
      const series = await querySeries(app.database.read, 'indicator_value', { indicator: id, version: q.version, unit: q.unit, breakdown: q.breakdown });
      const computedAt = await answerFreshness(reply, app.database.read);
      if (q.f === 'csv' || q.f === 'xlsx') {
        const seen = new Set<string>();
        const rows = [...series.unit, ...series.district, ...series.berlin].filter((v) => {
          const key = `${v.level}|${v.unit}|${v.date}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        if (q.f === 'xlsx') {
          reply.header('content-disposition', `attachment; filename="${id}-${q.unit}-series.xlsx"`);
          return sendBody(reply, XLSX_TYPE, await valuesXlsx(rows));
        }
        reply.header('content-disposition', `attachment; filename="${id}-${q.unit}-series.csv"`);
        return sendBody(reply, 'text/csv; charset=utf-8', valuesCsv(rows, dialect));
      }
      return { indicator: id, version: q.version, unit: q.unit, breakdown: q.breakdown, series: series.unit, district: series.district, berlin: series.berlin, computedAt };
    },
  );
}
