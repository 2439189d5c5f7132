import { Type, type Static } from '@fastify/type-provider-typebox';
import { INSTITUTION_ROLES } from '../identity/roles.ts';
import type { StaffMember } from './staff-store.ts';

export const Iid = Type.Object({ iid: Type.String({ format: 'uuid' }) });
export const IidUid = Type.Object({
  iid: Type.String({ format: 'uuid' }),
  uid: Type.String({ format: 'uuid' }),
});

export const Roles = Type.Array(Type.Union(INSTITUTION_ROLES.map((r) => Type.Literal(r))), {
  minItems: 1,
  maxItems: INSTITUTION_ROLES.length,
  uniqueItems: true,
});

const HourMinute = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

/** Weekly windows in the institution's time zone; a window whose end is at or before its start ends the next day. */
export const AccessHoursSchema = Type.Union([
  Type.Object({ mode: Type.Literal('always') }, { additionalProperties: false }),
  Type.Object(
    {
      mode: Type.Union([Type.Literal('within'), Type.Literal('outside')]),
      windows: Type.Array(
        Type.Object(
          {
            days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
              minItems: 1,
              maxItems: 7,
              uniqueItems: true,
            }),
            start: HourMinute,
            end: HourMinute,
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 14 },
      ),
    },
    { additionalProperties: false },
  ),
]);

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const StaffMemberResponse = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  email: Nullable(Type.String()),
  roles: Type.Array(Type.String()),
  securityLevel: Type.Object({ id: Type.String(), name: Type.String() }),
  disabled: Type.Boolean(),
  exportPermission: Type.Object({
    granted: Type.Boolean(),
    note: Nullable(Type.String()),
    changedAt: Nullable(DateTime),
  }),
  accessHours: AccessHoursSchema,
  twoFactorEnabled: Type.Boolean(),
  lastSignInAt: Nullable(DateTime),
  version: Type.Integer(),
});

export function staffMemberResponse(m: StaffMember): Static<typeof StaffMemberResponse> {
  return {
    id: m.id,
    username: m.username,
    displayName: m.displayName,
    email: m.email,
    roles: [...m.roles],
    securityLevel: { ...m.securityLevel },
    disabled: m.disabled,
    exportPermission: {
      granted: m.exportPermission.granted,
      note: m.exportPermission.note,
      changedAt: m.exportPermission.changedAt?.toISOString() ?? null,
    },
    accessHours: m.accessHours as Static<typeof AccessHoursSchema>,
    twoFactorEnabled: m.twoFactorEnabled,
    lastSignInAt: m.lastSignInAt?.toISOString() ?? null,
    version: m.version,
  };
}
