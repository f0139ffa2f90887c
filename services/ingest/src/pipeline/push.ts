// An HTTP push: target, Idempotency-Key, body format → the batch pipeline.
import type { Readable } from 'node:stream';
import type { Database, Kysely } from '@datenpool/db';
import { BadRequest, Conflict, type Principal, UnsupportedMediaType } from '@datenpool/service-kit';
import type { IngestConfig } from '../config.ts';
import { UploadBody } from '../parsers/body.ts';
import { csvRows } from '../parsers/csv.ts';
import { jsonRows, parseJsonText } from '../parsers/json.ts';
import { findIdempotent } from '../queries/batches.ts';
import type { PushQuery } from '../schemas.ts';
import { type Actor, type BatchResult, problemOf, resolveTarget, runBatch } from './batch.ts';
import { pushFacilities } from './facilities.ts';
import type { RawRow } from './rows.ts';

export const pushMediaTypes = ['text/csv', 'application/vnd.sdmx.data+csv', 'application/json', 'application/geo+json'] as const;

export function actorOf(principal: Principal): Actor {
  return { keyId: principal.keyId, agencyId: principal.agencyId, admin: principal.scopes.includes('admin') };
}

function mediaType(header: string | undefined): { type: string; charset?: string } {
  const [type = '', ...params] = (header ?? '').split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  return { type, ...(charset ? { charset } : {}) };
}

export interface PushRequest {
  db: Kysely<Database>;
  config: IngestConfig;
  variableId: string;
  query: PushQuery;
  principal: Principal;
  contentType: string | undefined;
  idempotencyKey: string | undefined;
  body: Readable;
}

export async function push(req: PushRequest): Promise<BatchResult> {
  const { type, charset } = mediaType(req.contentType);
  if (!(pushMediaTypes as readonly string[]).includes(type)) {
    throw new UnsupportedMediaType(`Send one of ${pushMediaTypes.join(', ')}.`);
  }
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new UnsupportedMediaType(`Only UTF-8 bodies are accepted (got charset ${charset}).`);
  const key = req.idempotencyKey?.trim();
  if (key !== undefined && (key.length === 0 || key.length > 200)) {
    throw new BadRequest('Idempotency-Key must be 1 to 200 characters.', { name: 'Idempotency-Key', in: 'header' });
  }
  const actor = actorOf(req.principal);
  const target = await resolveTarget(req.db, req.variableId, req.query.lorVersion, actor);
  const body = new UploadBody(req.body, req.config.bodyLimit);

  if (key && !req.query.dryRun) {
    const previous = await findIdempotent(req.db, req.principal.keyId, req.variableId, key);
    if (previous) {
      // the answer is stored in the transaction that lands the batch; without one the batch has not landed yet
      if (previous.status === 'running' || previous.result === null) throw new Conflict('A batch with this Idempotency-Key is still running.');
      await body.drain();
      if (previous.checksum !== body.checksum()) {
        throw new Conflict('This Idempotency-Key was used with a different body.', { batchId: previous.id });
      }
      const result = previous.result as unknown as BatchResult;
      if (result.problem) throw problemOf(result);
      return result;
    }
  }

  const options = {
    mode: req.query.mode,
    dryRun: req.query.dryRun,
    decimalComma: req.query.decimal === 'comma',
    contentType: type,
    idempotencyKey: req.query.dryRun ? null : (key ?? null),
    sourceId: null,
  };
  if (type === 'application/geo+json') {
    return pushFacilities(req.db, target, options, actor, body, req.config, req.query);
  }
  let rows: AsyncIterable<RawRow>;
  if (type === 'application/json') {
    rows = (async function* () {
      yield* jsonRows(parseJsonText(await body.wholeText(req.config.jsonLimit)));
    })();
  } else {
    rows = csvRows(body.text(), { sdmx: type === 'application/vnd.sdmx.data+csv' });
  }
  return runBatch(req.db, target, options, actor, rows, () => body.checksum());
}
