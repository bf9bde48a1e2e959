import http from 'node:http';
import https from 'node:https';
import type { TargetResponse } from './runner.js';

export class HttpRequestFailed extends Error {
  override readonly name = 'HttpRequestFailed';
}

/**
 * Plain HTTP/1.1 requests over kept-alive connections (idle ones do not keep a process alive: the
 * agent unrefs them). A load generator that sends thousands of
 * small commands should not cost more CPU than the services it loads: `fetch` (undici, web
 * streams, an AbortSignal per request) costs several times what node:http does per request, and
 * on a machine the services share, that is CPU taken from them.
 */
export class HttpClient {
  private readonly agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

  request(url: string, options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; timeoutMillis: number }): Promise<TargetResponse> {
    const target = new URL(url);
    const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
    const send = protocol === 'https:' ? https.request : http.request;
    const headers = options.body === undefined ? options.headers : { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) };
    return new Promise<TargetResponse>((resolve, reject) => {
      const request = send(target, { method: options.method, headers, agent: this.agents[protocol], timeout: options.timeoutMillis }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new HttpRequestFailed(`${options.method} ${url}: no answer within ${options.timeoutMillis} ms`)));
      request.on('error', (error) => reject(error instanceof HttpRequestFailed ? error : new HttpRequestFailed(`${options.method} ${url}: ${error.message}`)));
      request.end(options.body);
    });
  }
}
