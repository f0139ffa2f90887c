// GET /v1/indicators/{id}/values (JSON, CSV, CSVW; from the materialisation or as of a time) and POST /v1/indicators/recompute.
import { type App, problemResponses, requireScope, audit } from '@datenpool/service-kit';
import { readableIndicator } from '../access.ts';
import type { IndicatorConfig } from '../config.ts';
import { valuesCsv } from '../csv.ts';
import { sendBody, sendCsvw, valueDate } from '../formats.ts';
import { queryValues } from '../queries/values.ts';
import { valuesXlsx, XLSX_TYPE } from '../xlsx.ts';
import { answerFreshness } from '../freshness.ts';
import { computeAsOf, recomputeFull } from '../engine/recompute.ts';
import { idParams, recomputeResponse, valuesQuery, valuesResponse } from '../schemas.ts';

export async function valueRoutes(app: App, config: IndicatorConfig): Promise<void> {
  app.get(
    '/v1/indicators/:id/values',
    {
      schema: {
        summary: 'Values of an indicator for a level, date, breakdown or unit, with reference values',
        description:
          'Values are computed per LOR version, level, unit, year (dated 31 December) and breakdown. Suppressed values carry ' +
          'status `suppressed` and no value, numerator or denominator. `f=csv` gives CSV (UTF-8 with BOM; `sep=semicolon&decimal=comma` ' +
          'for German Excel), `f=csvw` its CSVW metadata, `f=xlsx` an Excel workbook (German headers, LOR ids as text, numbers as numbers). `asOf` computes from the observation revisions valid at that time.',
        tags: ['indicators'],
        params: idParams,
        querystring: valuesQuery,
        response: { 200: valuesResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const q = request.query;
      await readableIndicator(app.database, request, id);
      const dialect = { sep: q.sep, decimal: q.decimal };
      if (q.f === 'csvw') {
        return sendCsvw(reply, request.url, `Indikator ${id}`, dialect);
      }
      const filter = {
        indicator: id,
        version: q.version,
        level: q.level,
        date: valueDate(q.date),
        breakdown: q.breakdown === '*' ? null : q.breakdown,
        unit: q.unit,
      };
      const result = q.asOf
        ? await app.database.db.transaction().execute(async (trx) => {
            await computeAsOf(trx, id, [q.version], new Date(q.asOf as string), config);
            return queryValues(trx, 'iv_asof', filter);
          })
        : await queryValues(app.database.read, 'indicator_value', filter);
      // read after the values: they are at least as fresh as the state it names
      const computedAt = await answerFreshness(reply, q.asOf ? app.database.db : app.database.read, Boolean(q.asOf));
      if (q.f === 'csv') {
        reply.header('content-disposition', `attachment; filename="${id}-${q.version}-${result.date ?? 'none'}.csv"`);
        return sendBody(reply, 'text/csv; charset=utf-8', valuesCsv(result.values, dialect));
      }
      if (q.f === 'xlsx') {
        reply.header('content-disposition', `attachment; filename="${id}-${q.version}-${q.level ?? 'alle'}-${result.date ?? 'none'}.xlsx"`);
        return sendBody(reply, XLSX_TYPE, await valuesXlsx(result.values));
      }
      return { indicator: id, version: q.version, date: result.date, asOf: q.asOf ?? null, computedAt, values: result.values };
    },
  );

  app.post(
    '/v1/indicators/recompute',
    {
      preHandler: requireScope('admin'),
      schema: {
        summary: 'Recompute every indicator value from the current observations (admin); consumes what the recompute queue holds',
        tags: ['indicators'],
        security: [{ apiKey: [] }],
        response: { 200: recomputeResponse, ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      const report = await recomputeFull(app.database.db, config);
      await audit(app.database.db, request.principal, 'indicators.recompute', 'indicator_value', {
        indicators: report.indicators.length,
        seconds: report.seconds,
      });
      return report;
    },
  );
}

