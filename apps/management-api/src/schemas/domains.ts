import { type Static, Type } from 'typebox';

const DnsRecord = Type.Object({
  type: Type.Union([Type.Literal('TXT'), Type.Literal('CNAME')]),
  name: Type.String({ description: 'Owner name of the record' }),
  value: Type.String({ description: 'What the record must hold' }),
});

const RedirectUrl = Type.Union([Type.String({ minLength: 1, maxLength: 8192 }), Type.Null()]);

export const DomainSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    hostname: Type.String({ description: 'Lower-case, punycode for an internationalised name, no port' }),
    status: Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('failed')], {
      description:
        'pending until one of the records is found; failed once the background checks gave up (verify again to resume)',
    }),
    verification: Type.Object(
      { txt: DnsRecord, cname: DnsRecord },
      { description: 'Publish either record to prove the hostname is yours' },
    ),
    verificationMethod: Type.Union([Type.Literal('txt'), Type.Literal('cname'), Type.Null()]),
    verifiedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastCheckedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    nextCheckAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the background check looks again; null once verified or failed',
    }),
    attempts: Type.Integer({ minimum: 0, description: 'Background checks so far' }),
    lastError: Type.Union([Type.String(), Type.Null()], { description: 'What the last check found instead' }),
    rootRedirectUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'Where the bare domain redirects; null: the default answer',
    }),
    notFoundRedirectUrl: Type.Union([Type.String(), Type.Null()], {
      description: "Where unknown codes redirect; null: BoltLink's not-found page",
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Domain', title: 'Domain' },
);
export type DomainView = Static<typeof DomainSchema>;

export const AddDomainBody = Type.Object(
  {
    hostname: Type.String({ minLength: 1, maxLength: 300, description: 'e.g. go.example.com' }),
    rootRedirectUrl: Type.Optional(RedirectUrl),
    notFoundRedirectUrl: Type.Optional(RedirectUrl),
  },
  { additionalProperties: false },
);
export type AddDomainInput = Static<typeof AddDomainBody>;

export const UpdateDomainBody = Type.Object(
  { rootRedirectUrl: Type.Optional(RedirectUrl), notFoundRedirectUrl: Type.Optional(RedirectUrl) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDomainInput = Static<typeof UpdateDomainBody>;
