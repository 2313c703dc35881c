/**
 * The one way the web app talks to the API: JSON in and out, the session cookie sent by the
 * browser, and the CSRF token (from login or GET /auth/session) on every state-changing request.
 */

export const API = '/api/v1';

/** An error in the API's one shape `{error: {id, message, details}}`, or a network failure (`network_error`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let unauthenticatedListener: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request outside /auth/ finds the session gone, so the app can show the login page. */
export function onUnauthenticated(listener: (() => void) | null): void {
  unauthenticatedListener = listener;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Query string from an object, skipping empty values. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

function toApiError(status: number, body: unknown, fallback: string): ApiError {
  const e = (body as { error?: { id?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (e && typeof e.id === 'string') return new ApiError(status, e.id, typeof e.message === 'string' ? e.message : e.id, e.details);
  return new ApiError(status, status === 429 ? 'rate_limited' : `http_${status}`, fallback);
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function refreshCsrf(): Promise<boolean> {
  const r = await fetch(`${API}/auth/session`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!r.ok) return false;
  const body = (await r.json()) as { csrf_token?: string | null };
  csrfToken = body.csrf_token ?? null;
  return csrfToken !== null;
}

async function request<T>(method: Method, path: string, body?: unknown, retried = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(API + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, 'network_error', err instanceof Error ? err.message : String(err));
  }
  const data = parseJson(await res.text());
  if (res.ok) return data as T;
  const error = toApiError(res.status, data, res.statusText);
  // A token lost by a reload or taken by another tab: fetch the current one and try once more.
  if (error.id === 'csrf_failed' && !retried && (await refreshCsrf())) return request<T>(method, path, body, true);
  if (res.status === 401 && !path.startsWith('/auth/') && (error.id === 'unauthenticated' || error.id === 'mfa_required')) unauthenticatedListener?.();
  throw error;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

export interface UploadProgress {
  /** 'upload' while the body is sent (loaded/total in bytes), 'server' once it is all sent and the server works. */
  phase: 'upload' | 'server';
  loaded: number;
  total: number;
}

/**
 * POSTs JSON with XMLHttpRequest, which (unlike fetch) reports upload progress: for large CSV files.
 * Resolves with the parsed body on 2xx, rejects with an ApiError otherwise.
 */
export function postWithProgress<T>(path: string, body: unknown, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<T> {
  const payload = JSON.stringify(body);
  const send = (retried: boolean): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', API + path);
      xhr.withCredentials = false; // same origin: cookies go anyway
      xhr.setRequestHeader('content-type', 'application/json');
      xhr.setRequestHeader('accept', 'application/json');
      if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
      xhr.upload.onprogress = (e) => onProgress({ phase: 'upload', loaded: e.loaded, total: e.lengthComputable ? e.total : payload.length });
      xhr.upload.onload = () => onProgress({ phase: 'server', loaded: payload.length, total: payload.length });
      xhr.onerror = () => reject(new ApiError(0, 'network_error', 'Network error'));
      xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Cancelled'));
      xhr.onload = () => {
        const data = parseJson(xhr.responseText);
        if (xhr.status >= 200 && xhr.status < 300) return resolve(data as T);
        const error = toApiError(xhr.status, data, xhr.statusText);
        if (error.id === 'csrf_failed' && !retried) {
          refreshCsrf().then((ok) => (ok ? send(true).then(resolve, reject) : reject(error)), () => reject(error));
          return;
        }
        if (xhr.status === 401 && (error.id === 'unauthenticated' || error.id === 'mfa_required')) unauthenticatedListener?.();
        reject(error);
      };
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      onProgress({ phase: 'upload', loaded: 0, total: payload.length });
      xhr.send(payload);
    });
  return send(false);
}
