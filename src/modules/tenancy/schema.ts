import { z } from 'zod';
import { ALL_ROLES, CLIENT_ROLES, PROVIDER_ROLES } from './roles.ts';

/** A path parameter holding one of our ids (UUIDv7). */
export const Id = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be an id');

export const ClientParams = z.object({
  /** The client organisation. */
  clientId: Id,
});

export const LoginBody = z.object({
  /** The user's email address. */
  email: z.string().trim().min(3).max(254),
  /** The password. */
  password: z.string().min(1).max(200),
});

export const MfaCodeBody = z.object({
  /** Six digits from the authenticator app, or a recovery code. */
  code: z.string().trim().min(6).max(20),
});

export const ClientCreateBody = z.object({
  /** The company's name. */
  name: z.string().trim().min(1).max(200),
  /** Short unique name used in URLs and exports; derived from the name when absent. */
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,59}$/, 'lower-case letters, digits and dashes').optional(),
  /** Free notes. */
  notes: z.string().max(5000).optional(),
});

export const ClientPatchBody = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  notes: z.string().max(5000).optional(),
  /** Archive (true) or restore (false) the client. */
  archived: z.boolean().optional(),
});

export const Locale = z.enum(['fr', 'en']);

export const ClientUserCreateBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  name: z.string().trim().min(1).max(200),
  locale: Locale.optional(),
  /** Client roles held in the company. */
  roles: z.array(z.enum(CLIENT_ROLES)).min(1),
});

export const StaffCreateBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  name: z.string().trim().min(1).max(200),
  locale: Locale.optional(),
  /** Provider roles; `admin` reaches every client. */
  roles: z.array(z.enum(PROVIDER_ROLES)).min(1),
});

export const MembershipCreateBody = z.object({
  /** The user to grant a role to: a user of this client, or a provider staff member to assign. */
  user_id: Id,
  role: z.enum(ALL_ROLES as [string, ...string[]]),
});

export const TokenCreateBody = z.object({
  /** What the token is for ("backup script", "collector Lyon"). */
  name: z.string().trim().min(1).max(200),
  /** The role the token acts with; at most one the creator holds. */
  role: z.enum(ALL_ROLES as [string, ...string[]]),
  /** Days until it expires (1 to 730). */
  expires_in_days: z.number().int().min(1).max(730).default(90),
});
