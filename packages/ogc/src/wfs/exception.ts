// WFS exceptions as OWS 1.1 ExceptionReports: the code, the parameter at fault (locator) and the HTTP status.
import { HttpProblem } from '@datenpool/service-kit';
import { escapeXml, OWS_NS } from './xml.ts';

export type WfsExceptionCode =
  | 'MissingParameterValue'
  | 'InvalidParameterValue'
  | 'VersionNegotiationFailed'
  | 'OperationNotSupported'
  | 'OptionNotSupported'
  | 'OperationParsingFailed'
  | 'NotFound'
  | 'NoApplicableCode';

/**
 * An exception the WFS answers as an ExceptionReport. WFS 2.0 (OWS Common 1.1) leaves the HTTP status to the
 * protocol: every code that names what the client sent is a 400 (an operation or option the client asked for that is
 * not offered included: a request that names one is a client error here, not a 501 of a server that lacks a feature
 * it should have), NotFound a 404, and only NoApplicableCode for a failure of the server itself a 500.
 */
export class WfsException extends Error {
  readonly status: number;
  constructor(
    readonly code: WfsExceptionCode,
    /** the parameter at fault (`typeNames`, `bbox`), as WFS 2.0 spells it */
    readonly locator: string | undefined,
    message: string,
    /** the status where it is another than the code's (a 401 or 429 of the front door) */
    status?: number,
    /** headers the answer carries (WWW-Authenticate, Retry-After) */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'WfsException';
    this.status = status ?? (code === 'NotFound' ? 404 : code === 'NoApplicableCode' ? 500 : 400);
  }
}

/** the WFS 2.0 spelling of a parameter the shared OGC parsers name in their problems */
const parameterNames: Record<string, string> = {
  bbox: 'bbox',
  'bbox-crs': 'bbox',
  crs: 'srsName',
  sortby: 'sortBy',
  filter: 'filter',
  properties: 'propertyName',
  limit: 'count',
  offset: 'startIndex',
};

/** a problem thrown by a shared parser (parseBbox, parseCrs, parseSortby) as the WFS exception it is */
export function asWfsException(error: unknown): WfsException | undefined {
  if (error instanceof WfsException) return error;
  if (error instanceof HttpProblem && error.status < 500) {
    const params = error.extensions.invalidParams as Array<{ name?: string }> | undefined;
    const name = params?.[0]?.name;
    const locator = name === undefined ? undefined : (parameterNames[name] ?? name);
    if (error.status === 404) return new WfsException('NotFound', locator, error.message);
    if (error.status === 400) return new WfsException('InvalidParameterValue', locator, error.message);
    return new WfsException('NoApplicableCode', locator, error.message, error.status, error.headers);
  }
  return undefined;
}

export const EXCEPTION_MEDIA_TYPE = 'text/xml; charset=utf-8';

/** the ExceptionReport document of one exception */
export function exceptionReport(exception: WfsException, version = '2.0.0'): string {
  const locator = exception.locator === undefined ? '' : ` locator="${escapeXml(exception.locator)}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<ows:ExceptionReport xmlns:ows="${OWS_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${OWS_NS} http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd" version="${escapeXml(version)}" xml:lang="en">
  <ows:Exception exceptionCode="${exception.code}"${locator}>
    <ows:ExceptionText>${escapeXml(exception.message)}</ows:ExceptionText>
  </ows:Exception>
</ows:ExceptionReport>
`;
}
