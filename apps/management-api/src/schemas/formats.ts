import { Format } from 'typebox/format';

// TypeBox's own checker (used for per-item bulk validation) has formats of its own; these replace them so it
// accepts exactly what Fastify's ajv-formats accepts for the same schemas.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

Format.Set('uuid', (value) => UUID.test(value));
Format.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
