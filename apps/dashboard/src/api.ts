/**
 * The dashboard talks to the API over HTTP only, same origin, with the session cookie the server
 * sets (`il_session`, httpOnly). Every request that is not a GET carries `X-CSRF-Token`.
 */
import { reactive } from 'vue';

export interface Actor {
  id: string;
  jurisdiction: string;
  role: string;
}

export interface SessionBody {
  actor: Actor;
  csrfToken: string;
  expiresAt: string;
}

/** What the page knows of its session; `checked` once it asked the server. */
export const session = reactive<{ checked: boolean; actor: Actor | null; csrfToken: string | null; expiresAt: string | null }>({
  checked: false,
  actor: null,
  csrfToken: null,
  expiresAt: null,
});

/** A refusal: problem+json (RFC 9457) when the server sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly title: string | null,
  ) {
    super(message);
  }
}

/** What a refused read shows (a read outside the caller's subtree, or of a jurisdiction unknown here). */
export const READ_REFUSED = '无权查看：该辖区不在本单位的管辖范围内，或不存在。';

/** Called when any request answers 401: the router sends the user to sign in. */
let onUnauthorized: () => void = () => undefined;
export const whenUnauthorized = (handler: () => void): void => {
  onUnauthorized = handler;
};

const refusal = async (response: Response): Promise<ApiError> => {
  let detail: string | null = null;
  let title: string | null = null;
  try {
    const problem = (await response.json()) as { detail?: string; title?: string };
    detail = problem.detail ?? null;
    title = problem.title ?? null;
  } catch {
    // not JSON: the status says enough
  }
  // A read outside the caller's subtree and a jurisdiction that does not exist are answered alike
  // by the server; the page says so in Chinese and names neither.
  if (title === 'ReadForbidden') return new ApiError(response.status, READ_REFUSED, title);
  return new ApiError(response.status, detail ?? title ?? `${response.status} ${response.statusText}`, title);
};

export const request = async <T>(method: string, path: string, body?: unknown, options: { quiet401?: boolean } = {}): Promise<T> => {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && session.csrfToken !== null) headers['x-csrf-token'] = session.csrfToken;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (!response.ok) {
    if (response.status === 401 && !options.quiet401) {
      clearSession();
      onUnauthorized();
    }
    throw await refusal(response);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
};

export const get = <T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> => request<T>('GET', withQuery(path, query));

export const withQuery = (path: string, query: Record<string, string | undefined>): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, value);
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
};

const adopt = (body: SessionBody): void => {
  session.actor = body.actor;
  session.csrfToken = body.csrfToken;
  session.expiresAt = body.expiresAt;
  session.checked = true;
};

export const clearSession = (): void => {
  session.actor = null;
  session.csrfToken = null;
  session.expiresAt = null;
  session.checked = true;
};

/** Asks the server whether the cookie still holds a session. */
export const loadSession = async (): Promise<Actor | null> => {
  try {
    adopt(await request<SessionBody>('GET', '/v1/session', undefined, { quiet401: true }));
  } catch {
    clearSession();
  }
  return session.actor;
};

export const signIn = async (credential: { token: string } | { ticket: string }): Promise<Actor> => {
  const body = await request<SessionBody>('POST', '/v1/session', credential, { quiet401: true });
  adopt(body);
  return body.actor;
};

export const signOut = async (): Promise<void> => {
  try {
    await request<void>('DELETE', '/v1/session', undefined, { quiet401: true });
  } finally {
    clearSession();
  }
};

/** Posts a command; answers where to wait for it (`after=level:position`). */
export const command = async (type: string, data: Record<string, unknown>): Promise<string> => {
  const outcome = await request<{ level: string; position: number }>('POST', `/v1/commands/${encodeURIComponent(type)}`, data);
  return `${outcome.level}:${outcome.position}`;
};
