/**
 * Secrets inside check settings (SNMP community and keys, HTTP credentials) never leave the server:
 * reads and journal entries show a placeholder, and a PATCH that sends the placeholder back keeps
 * the stored value, so a form can round-trip settings without ever holding the secret.
 */
export const MASK = '••••••••';

const SECRET_KEY = /^(community|authKey|privKey|password|passphrase|secret|token|apiKey)$/i;
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|x-auth-token)$/i;

function isSecret(key: string, parentKey: string | null): boolean {
  return SECRET_KEY.test(key) || (parentKey !== null && /^headers$/i.test(parentKey) && SECRET_HEADER.test(key));
}

/** A copy of the settings with every secret value replaced by the placeholder. */
export function maskSettings(value: unknown, parentKey: string | null = null): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSettings(v, parentKey));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' && isSecret(k, parentKey) ? MASK : maskSettings(v, k);
    return out;
  }
  return value;
}

/** New settings with each placeholder replaced by the stored value at the same place. */
export function restoreMasked(next: unknown, stored: unknown): unknown {
  if (next === MASK) return stored;
  if (Array.isArray(next)) return next.map((v, i) => restoreMasked(v, Array.isArray(stored) ? stored[i] : undefined));
  if (next && typeof next === 'object') {
    const s = stored && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(next)) out[k] = restoreMasked(v, s[k]);
    return out;
  }
  return next;
}
