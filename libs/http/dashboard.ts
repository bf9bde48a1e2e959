/**
 * The dashboard (apps/dashboard, a single-page app built by Vite into dist/dashboard) served by the
 * level service itself, so that the page and the API share one origin: the session cookie is
 * SameSite=Strict and the page's Content-Security-Policy allows connecting to 'self' only.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DashboardNotBuilt, toProblem } from './problems.js';

/**
 * Where `npm run build` puts the page: dist/dashboard, beside dist/libs where this file is built to
 * (dist/libs/http/dashboard.js). Run from the sources (Jest) it names a folder that does not exist.
 */
export const defaultDashboardDir = (): string => fileURLToPath(new URL('../../dashboard', import.meta.url));

/** The page may load and connect to this server only, and may not be framed. */
export const DASHBOARD_CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const PAGE_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** Vite names what it emits under assets/ by a hash of its content: a new build gets new names. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html (and anything without a hashed name) is checked with the server on every load. */
const REVALIDATE = 'no-cache';

/** Paths of the API and its documents: never the page, whatever they accept. */
const API_PATHS = /^\/(v1|docs|docs-json|health)(\/|$)/;

/** What the dashboard folder holds, or why it cannot be served. */
const isDashboard = (dir: string): boolean => existsSync(resolve(dir, 'index.html'));

/** The file under `dir` the URL path names, if it is one: never outside `dir`, never a dotfile. */
const fileUnder = (dir: string, urlPath: string): string | undefined => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const relative = decoded.replace(/^\/+/, '');
  if (relative === '' || relative.includes('\0') || relative.split(/[\\/]/).some((segment) => segment.startsWith('.') || segment === '')) return undefined;
  const full = resolve(dir, relative);
  if (!full.startsWith(dir + sep)) return undefined;
  try {
    return statSync(full).isFile() ? relative : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A browser navigating names text/html; a script or a tool fetching a missing file (accepting anything) gets a
 * 404, not the page in its place.
 */
const acceptsHtml = (request: FastifyRequest): boolean => {
  const accept = request.headers.accept;
  return typeof accept === 'string' && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
};

type SendFile = (path: string) => FastifyReply;

/**
 * Serves the page at / from `dir`: its files as they are (assets/ cached for a year, the rest
 * revalidated), and index.html for any other GET that asks for HTML (the app routes by hash, so this
 * is mostly `/`). A path of the API that no route serves stays a 404 problem. Without a built page,
 * a 503 problem says how to build it: the API serves on regardless.
 */
export const registerDashboard = async (fastify: FastifyInstance, dir: string): Promise<{ served: boolean }> => {
  const root = resolve(dir);
  const served = isDashboard(root);
  if (served) {
    // Loaded only when there is a page to serve: Jest's module runtime cannot load the plugin.
    const { default: fastifyStatic } = await import('@fastify/static');
    // serve: false: no routes of its own, only reply.sendFile for the route below.
    await fastify.register(fastifyStatic, { root, serve: false, cacheControl: false, dotfiles: 'deny' });
  }
  const page = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const path = request.url.split('?')[0]!;
    if (API_PATHS.test(path)) return reply.callNotFound();
    if (!served) {
      // Only where the page would have been: an API client asking for something else gets a 404.
      if (path !== '/' && !acceptsHtml(request)) return reply.callNotFound();
      const problem = toProblem(new DashboardNotBuilt(`dashboard not built: run npm run build (it writes ${root}), then restart the server`));
      return reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').header('cache-control', 'no-store').send(problem);
    }
    const sendFile = (reply as unknown as { sendFile: SendFile }).sendFile.bind(reply);
    const file = fileUnder(root, path);
    if (file !== undefined) {
      reply.headers(PAGE_HEADERS).header('cache-control', file.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
      return sendFile(file);
    }
    if (path !== '/' && !acceptsHtml(request)) return reply.callNotFound();
    reply.headers(PAGE_HEADERS).header('cache-control', REVALIDATE);
    return sendFile('index.html');
  };
  fastify.get('/', page);
  fastify.get('/*', page);
  return { served };
};
