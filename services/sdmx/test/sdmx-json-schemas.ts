// JSON Schemas written from the SDMX-JSON 2.0 specification (data and structure messages). The official schema
// files (sdmx-twg/sdmx-json) are not available offline here; these encode the parts the facade emits, strictly.

const localised = { type: 'object', additionalProperties: { type: 'string' }, propertyNames: { pattern: '^[a-z]{2}(-[A-Za-z0-9]+)?$' } };
const urn = { type: 'string', pattern: '^urn:sdmx:org\\.sdmx\\.infomodel\\.[a-z]+\\.[A-Za-z]+=[A-Za-z0-9_@$-]+:[A-Za-z0-9_@$-]+\\([0-9.]+\\)(\\.[A-Za-z0-9_@$-]+)?$' };
const idType = { type: 'string', pattern: '^[A-Za-z0-9_@$-]+$' };

const meta = {
  type: 'object',
  required: ['id', 'test', 'prepared', 'sender'],
  properties: {
    schema: { type: 'string', format: 'uri' },
    id: { type: 'string' },
    test: { type: 'boolean' },
    prepared: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$' },
    contentLanguages: { type: 'array', items: { type: 'string' } },
    sender: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, name: { type: 'string' } } },
  },
};

const annotations = {
  type: 'array',
  items: {
    type: 'object',
    properties: { id: { type: 'string' }, title: { type: 'string' }, type: { type: 'string' }, text: { type: 'string' }, texts: localised },
    additionalProperties: false,
  },
};

const componentValue = {
  type: 'object',
  properties: { id: { type: 'string' }, value: { type: 'string' }, name: { type: 'string' }, names: localised, start: { type: 'string' }, end: { type: 'string' } },
  anyOf: [{ required: ['id'] }, { required: ['value'] }],
  additionalProperties: false,
};

const component = {
  type: 'object',
  required: ['id', 'values'],
  properties: {
    id: idType,
    name: { type: 'string' },
    names: localised,
    keyPosition: { type: 'integer', minimum: 0 },
    roles: { type: 'array', items: { type: 'string' } },
    relationship: { type: 'object' },
    format: { type: 'object' },
    values: { type: 'array', items: componentValue },
  },
  additionalProperties: false,
};

const components = { type: 'array', items: component };
const attributeValues = { type: 'array', items: { type: ['integer', 'null'], minimum: 0 } };
const observationValue = { type: 'array', minItems: 1, items: { type: ['string', 'number', 'integer', 'null'] } };
const key = '^(0|[1-9]\\d*)(:(0|[1-9]\\d*))*$';

export const dataMessageSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['meta', 'data'],
  properties: {
    meta,
    data: {
      type: 'object',
      required: ['structures', 'dataSets'],
      properties: {
        structures: {
          type: 'array',
          items: {
            type: 'object',
            required: ['dimensions', 'measures', 'attributes', 'dataSets'],
            properties: {
              links: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['rel'],
                  properties: { rel: { type: 'string' }, urn, href: { type: 'string' }, uri: { type: 'string' }, title: { type: 'string' }, type: { type: 'string' } },
                  additionalProperties: false,
                },
              },
              dataSets: { type: 'array', items: { type: 'integer', minimum: 0 } },
              annotations,
              dimensions: {
                type: 'object',
                properties: { dataSet: components, series: components, observation: components },
                additionalProperties: false,
              },
              measures: { type: 'object', properties: { observation: components }, additionalProperties: false },
              attributes: {
                type: 'object',
                properties: { dataSet: components, dimensionGroup: components, series: components, observation: components },
                additionalProperties: false,
              },
            },
            additionalProperties: false,
          },
        },
        dataSets: {
          type: 'array',
          items: {
            type: 'object',
            required: ['structure', 'action'],
            properties: {
              structure: { type: 'integer', minimum: 0 },
              action: { enum: ['Information', 'Append', 'Replace', 'Delete'] },
              validFrom: { type: 'string' },
              validTo: { type: 'string' },
              annotations: { type: 'array' },
              attributes: attributeValues,
              series: {
                type: 'object',
                patternProperties: {
                  [key]: {
                    type: 'object',
                    properties: {
                      attributes: attributeValues,
                      annotations: { type: 'array' },
                      observations: { type: 'object', patternProperties: { '^(0|[1-9]\\d*)$': observationValue }, additionalProperties: false },
                    },
                    additionalProperties: false,
                  },
                },
                additionalProperties: false,
              },
              observations: { type: 'object', patternProperties: { [key]: observationValue }, additionalProperties: false },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
    errors: { type: 'array' },
  },
  additionalProperties: false,
};

const maintainable = {
  required: ['id', 'agencyID', 'version', 'name'],
  properties: {
    id: idType,
    agencyID: idType,
    version: { type: 'string', pattern: '^\\d+(\\.\\d+)*$' },
    urn,
    isExternalReference: { type: 'boolean' },
    isFinal: { type: 'boolean' },
    name: { type: 'string' },
    names: localised,
    annotations,
  },
};

const representation = {
  type: 'object',
  properties: { enumeration: urn, format: { type: 'object', properties: { dataType: { type: 'string' } }, required: ['dataType'] } },
  additionalProperties: false,
};

const dsdComponent = {
  type: 'object',
  required: ['id', 'conceptIdentity'],
  properties: {
    id: idType,
    urn,
    position: { type: 'integer', minimum: 0 },
    type: { enum: ['Dimension', 'TimeDimension', 'MeasureDimension'] },
    usage: { enum: ['mandatory', 'optional'] },
    attributeRelationship: { type: 'object' },
    measureRelationship: { type: 'array', items: { type: 'string' } },
    conceptIdentity: urn,
    localRepresentation: representation,
  },
  additionalProperties: false,
};

export const structureMessageSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['meta', 'data'],
  properties: {
    meta,
    data: {
      type: 'object',
      properties: {
        dataflows: { type: 'array', items: { type: 'object', ...maintainable, required: [...maintainable.required, 'structure'], properties: { ...maintainable.properties, structure: urn }, additionalProperties: false } },
        dataStructures: {
          type: 'array',
          items: {
            type: 'object',
            ...maintainable,
            required: [...maintainable.required, 'dataStructureComponents'],
            properties: {
              ...maintainable.properties,
              dataStructureComponents: {
                type: 'object',
                required: ['dimensionList'],
                properties: {
                  dimensionList: {
                    type: 'object',
                    required: ['id', 'dimensions'],
                    properties: { id: idType, urn, dimensions: { type: 'array', items: dsdComponent }, timeDimensions: { type: 'array', items: dsdComponent, maxItems: 1 } },
                    additionalProperties: false,
                  },
                  attributeList: { type: 'object', required: ['id'], properties: { id: idType, urn, attributes: { type: 'array', items: dsdComponent } }, additionalProperties: false },
                  measureList: { type: 'object', required: ['id'], properties: { id: idType, urn, measures: { type: 'array', items: dsdComponent } }, additionalProperties: false },
                },
                additionalProperties: false,
              },
            },
            additionalProperties: false,
          },
        },
        codelists: {
          type: 'array',
          items: {
            type: 'object',
            ...maintainable,
            properties: {
              ...maintainable.properties,
              codes: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'name'],
                  properties: { id: idType, urn, name: { type: 'string' }, names: localised, parent: idType },
                  additionalProperties: false,
                },
              },
            },
            additionalProperties: false,
          },
        },
        conceptSchemes: {
          type: 'array',
          items: {
            type: 'object',
            ...maintainable,
            properties: {
              ...maintainable.properties,
              concepts: {
                type: 'array',
                items: { type: 'object', required: ['id', 'name'], properties: { id: idType, urn, name: { type: 'string' }, names: localised }, additionalProperties: false },
              },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};
