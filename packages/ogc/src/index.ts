// @datenpool/ogc: OGC API vocabulary shared by the services: links, paging, CRS, bbox, datetime, CQL2, conformance.
export {};
