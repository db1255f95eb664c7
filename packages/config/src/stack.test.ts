import { describe, expect, it } from 'vitest';
import { ConfigError } from './env.ts';
import { loadStackConfig } from './stack.ts';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadStackConfig(env);
  } catch (error) {
    if (error instanceof ConfigError)
      return error.issues.map((issue) => `${issue.variable}: ${issue.problem}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadStackConfig (make up)', () => {
  it('puts the services on their default ports', () => {
    expect(loadStackConfig({})).toEqual([
      { name: 'management-api', port: 3000, metricsPort: 9100 },
      { name: 'redirect-edge', port: 8080, metricsPort: 9101 },
      { name: 'analytics-consumer', port: 3001 },
      { name: 'dashboard', port: 3002 },
    ]);
  });

  it('names its own variable, not the PORT the service would have seen', () => {
    expect(problems({ EDGE_PORT: 'abc' })).toEqual([
      'EDGE_PORT: must be an integer port number between 1 and 65535 (got "abc")',
    ]);
  });

  it("checks the services' variables through their schemas, once each, before anything starts", () => {
    expect(problems({ DATABASE_URL: 'nonsense', CLICK_BATCH_SIZE: '0' })).toEqual([
      'DATABASE_URL: must be a valid postgres:// or postgresql:// URL',
      'CLICK_BATCH_SIZE: must be an integer between 1 and 5000 (got "0")',
    ]);
  });

  it("checks the dashboard's API_URL too", () => {
    expect(problems({ API_URL: 'ftp://api.example.com' })).toEqual([
      'API_URL: must be a http:// or https:// URL (got ftp://)',
    ]);
  });

  it('refuses two services on one port', () => {
    expect(problems({ EDGE_METRICS_PORT: '8080' })).toEqual([
      'EDGE_METRICS_PORT: must differ from EDGE_PORT (both 8080)',
    ]);
  });
});
