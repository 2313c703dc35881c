/**
 * Webhooks: a JSON POST signed with the rule's secret.
 *
 * Headers sent:
 * - `X-Vigie-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body bytes, keyed by the rule's secret
 *   (shown once when the rule is created). A receiver recomputes it over the raw body before parsing
 *   and compares in constant time (`verifyWebhookSignature` does exactly that);
 * - `X-Vigie-Event`: `alert.problem`, `alert.repeat`, `alert.recovery`, `alert.flapping` or `test`;
 * - `X-Vigie-Delivery`: the delivery's id, the same on every retry of it (receivers dedupe on it).
 * A 2xx answer is success; anything else is retried by the queue, except 4xx answers other than
 * 408, 425 and 429, which mean the receiver refuses this request as such (permanent). Redirects are
 * not followed. The whole exchange is bounded by a 10 s timeout.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookRequest {
  url: string;
  secret: string;
  event: string;
  deliveryId: string;
  body: unknown;
  timeoutMs?: number;
}

export interface WebhookResult {
  status: number;
}

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** `sha256=<hex>` of the raw body with the secret. */
export function signWebhook(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** For receivers (and tests): does this signature header match this raw body and secret? Constant time. */
export function verifyWebhookSignature(secret: string, rawBody: string | Buffer, header: string | undefined | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhook(secret, rawBody));
  const got = Buffer.from(header.trim());
  return got.length === expected.length && timingSafeEqual(got, expected);
}

const RETRYABLE_4XX = new Set([408, 425, 429]);

/** Posts the body; resolves on 2xx, throws a WebhookError otherwise. */
export async function sendWebhook(req: WebhookRequest): Promise<WebhookResult> {
  const raw = JSON.stringify(req.body);
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Vigie-Webhook/1',
        'x-vigie-event': req.event,
        'x-vigie-delivery': req.deliveryId,
        'x-vigie-signature': signWebhook(req.secret, raw),
      },
      body: raw,
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs ?? WEBHOOK_TIMEOUT_MS),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${(req.timeoutMs ?? WEBHOOK_TIMEOUT_MS) / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new WebhookError(`request failed: ${why}`.slice(0, 300), false);
  }
  // The receiver's answer is not kept (it may hold anything); drain it so the connection can be reused.
  await res.body?.cancel().catch(() => {});
  if (res.status >= 200 && res.status < 300) return { status: res.status };
  const permanent = res.status >= 300 && res.status < 500 && !RETRYABLE_4XX.has(res.status);
  throw new WebhookError(`HTTP ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}`, permanent, res.status);
}
