import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

const ISSUER = 'Vigie';

function totp(secretBase32: string, label = 'vigie') {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

const PERIOD_MS = 30_000;

/**
 * Accepts the current code and one step either side (clock drift), and only a step later than
 * `lastStep`, so a code seen over a shoulder cannot be replayed. Returns the step matched, or null.
 */
export function checkTotp(secretBase32: string, code: string, lastStep: number | null = null, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return null;
  const step = Math.floor(now / PERIOD_MS) + delta;
  return lastStep !== null && step <= Number(lastStep) ? null : step;
}

/** The code an authenticator app shows now (tests and the CLI use it). */
export function currentTotp(secretBase32: string, now = Date.now()): string {
  return totp(secretBase32).generate({ timestamp: now });
}

export async function enrolmentPayload(secretBase32: string, email: string) {
  const uri = totp(secretBase32, email).toString();
  return { secret: secretBase32, otpauth_uri: uri, qr_data_url: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
}
