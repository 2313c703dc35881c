/**
 * One error type for the whole product: a stable machine id, an HTTP status and optional details.
 * The same ids appear in the API, the CLI and the web app.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (id: string, message: string, details?: unknown) => new AppError(400, id, message, details);
export const unauthenticated = (message = 'Authentication required') => new AppError(401, 'unauthenticated', message);
export const forbidden = (message = 'You are not allowed to do this') => new AppError(403, 'forbidden', message);
/** Used for objects of another client too: never reveal that they exist. */
export const notFound = (what = 'object') => new AppError(404, 'not_found', `No such ${what}`);
export const conflict = (id: string, message: string, details?: unknown) => new AppError(409, id, message, details);
export const unprocessable = (id: string, message: string, details?: unknown) => new AppError(422, id, message, details);

export interface ErrorBody {
  error: { id: string; message: string; details?: unknown };
}

export function errorBody(id: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { id, message } } : { error: { id, message, details } };
}
