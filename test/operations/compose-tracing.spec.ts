import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { YAML11_SCHEMA, load } from 'js-yaml';
import { loadConfig } from '#config';

// No Docker engine runs the compose file here: these checks read it as Compose would (its `<<: *level-env`
// merge keys are YAML 1.1's, which js-yaml 5 applies with that schema only) and hand each level
// service's environment to the server's own configuration loader.
const DOCKER = join(process.cwd(), 'docker');

interface ComposeService {
  readonly image?: string;
  readonly command?: readonly string[];
  readonly environment?: Record<string, string>;
  readonly volumes?: readonly string[];
  readonly depends_on?: Record<string, unknown> | readonly string[];
}
interface Compose {
  readonly services: Record<string, ComposeService>;
}
interface CollectorConfig {
  readonly receivers: Record<string, { protocols?: { http?: { endpoint?: string } } }>;
  readonly processors?: Record<string, unknown>;
  readonly exporters: Record<string, unknown>;
  readonly extensions?: Record<string, unknown>;
  readonly service: { extensions?: string[]; pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
}

const compose = load(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8'), { schema: YAML11_SCHEMA }) as Compose;
const collector = compose.services['otel-collector']!;
/** The collector's config file as the compose file mounts it (host path, relative to docker/). */
const mountedConfig = (collector.volumes ?? []).map((volume) => volume.split(':')).find(([, inside]) => inside === '/etc/otelcol-contrib/config.yaml');

describe('the compose file\'s OpenTelemetry collector', () => {
  it('runs the contrib collector image with a config file of docker/ that receives OTLP over HTTP on 4318', () => {
    expect(collector.image).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    expect(mountedConfig).toBeDefined();
    const file = join(DOCKER, mountedConfig![0]!);
    expect(dirname(file).startsWith(DOCKER)).toBe(true);
    expect(existsSync(file)).toBe(true);
    expect(collector.command).toEqual(['--config=/etc/otelcol-contrib/config.yaml']);
    const config = load(readFileSync(file, 'utf8')) as CollectorConfig;
    expect(config.receivers.otlp?.protocols?.http?.endpoint).toBe('0.0.0.0:4318');
  });

  it('has a traces pipeline from the OTLP receiver whose every processor, exporter and extension is defined, and which sends to a service of the compose file', () => {
    const config = load(readFileSync(join(DOCKER, mountedConfig![0]!), 'utf8')) as CollectorConfig;
    const traces = config.service.pipelines.traces!;
    expect(traces.receivers).toContain('otlp');
    for (const receiver of traces.receivers) expect(Object.keys(config.receivers)).toContain(receiver);
    for (const processor of traces.processors ?? []) expect(Object.keys(config.processors ?? {})).toContain(processor);
    for (const exporter of traces.exporters) expect(Object.keys(config.exporters)).toContain(exporter);
    for (const extension of config.service.extensions ?? []) expect(Object.keys(config.extensions ?? {})).toContain(extension);
    // Anything it forwards to by address is a service the compose file starts.
    for (const exporter of traces.exporters) {
      const endpoint = (config.exporters[exporter] as { endpoint?: string } | null)?.endpoint;
      if (endpoint !== undefined) expect(Object.keys(compose.services)).toContain(new URL(`http://${endpoint.replace(/^https?:\/\//, '')}`).hostname);
    }
  });

  it.each(['province', 'city', 'county'])('has the %s service send its spans to the collector, which it starts after, as its configuration reads them', (level) => {
    const service = compose.services[level]!;
    const environment = Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, String(value)]));
    const tracing = loadConfig({ ...environment, DATA_DIR: '/nonexistent-data-dir' }).tracing;
    expect(tracing).toEqual({ url: 'http://otel-collector:4318/v1/traces', serviceName: `inspection-linkage-${level}`, sampler: 'parentbased_always_on', samplerRatio: 1 });
    expect(Object.keys(service.depends_on ?? {})).toContain('otel-collector');
  });
});
