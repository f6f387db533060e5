import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_PORTS, findWorkspaceRoot } from './config.ts';
import { IMAGES } from './versions.ts';

interface ComposeService {
  image?: string;
  ports?: string[];
}

const compose = parse(readFileSync(join(findWorkspaceRoot(), 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};

/** The host port a compose service publishes for `containerPort`, from `127.0.0.1:host:container`. */
function hostPort(service: ComposeService, containerPort: number): number | undefined {
  for (const mapping of service.ports ?? []) {
    const parts = mapping.split(':');
    if (Number(parts.at(-1)) === containerPort) return Number(parts.at(-2));
  }
  return undefined;
}

describe('docker-compose.yml matches the local stack', () => {
  it.each([
    ['kafka', IMAGES.kafka],
    ['registry', IMAGES.registry],
    ['postgres', IMAGES.postgres],
  ])('%s uses %s', (name, image) => {
    expect(compose.services[name]?.image).toBe(image);
  });

  it('publishes the local stack ports on loopback', () => {
    expect(hostPort(compose.services.kafka!, 9092)).toBe(DEFAULT_PORTS.kafka);
    expect(hostPort(compose.services.registry!, 8080)).toBe(DEFAULT_PORTS.registry);
    expect(hostPort(compose.services.postgres!, 5432)).toBe(DEFAULT_PORTS.postgres);
    for (const service of Object.values(compose.services)) {
      for (const mapping of service.ports ?? []) expect(mapping.startsWith('127.0.0.1:')).toBe(true);
    }
  });
});
