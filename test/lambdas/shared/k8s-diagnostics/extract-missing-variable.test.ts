import { describe, expect, it } from 'vitest';
import { extractMissingVariable } from '../../../../lambdas/shared/k8s-diagnostics/extract-missing-variable.js';
import { pythonKeyErrorLog } from './fixtures.js';

describe('extractMissingVariable', () => {
  it.each([
    ['plain English', 'FATAL: environment variable DATABASE_URL is not set', 'DATABASE_URL'],
    ['caarlos0/env, quoted', 'env: required environment variable "DATABASE_URL" is not set', 'DATABASE_URL'],
    ['"env var … is missing"', 'config error: env var REDIS_HOST is missing', 'REDIS_HOST'],
    ['Python KeyError', "KeyError: 'DATABASE_URL'", 'DATABASE_URL'],
    ['"must be set"', 'panic: DATABASE_URL must be set', 'DATABASE_URL'],
    ['"missing required environment variable:"', 'Error: missing required environment variable: DATABASE_URL', 'DATABASE_URL'],
    ['Node "Missing env var"', 'Error: Missing env var DATABASE_URL', 'DATABASE_URL'],
    ['Go envconfig', 'envconfig: required key DATABASE_URL missing value', 'DATABASE_URL'],
    ['Ruby ENV.fetch', "config/database.rb:3:in `fetch': key not found: \"DATABASE_URL\" (KeyError)", 'DATABASE_URL'],
    ['Spring placeholder', "Could not resolve placeholder 'DATABASE_URL' in value \"${DATABASE_URL}\"", 'DATABASE_URL'],
    ['a trailing full stop', 'missing environment variable DATABASE_URL.', 'DATABASE_URL'],
    ['a lower-case name', 'environment variable database_url is not set', 'database_url'],
  ])('recognises %s', (_label, line, variable) => {
    // Act
    const found = extractMissingVariable(['starting', line]);

    // Assess
    expect(found).toEqual({ variable, line });
  });

  it('recognises a kubelet CreateContainerConfigError and keeps the ConfigMap it names', () => {
    // Act
    const found = extractMissingVariable(["couldn't find key DATABASE_URL in ConfigMap shop/app-config"]);

    // Assess
    expect(found).toEqual({
      variable: 'DATABASE_URL',
      line: "couldn't find key DATABASE_URL in ConfigMap shop/app-config",
      configMap: { name: 'app-config', namespace: 'shop' },
    });
  });

  it('reads a whole Python traceback, ending in the KeyError raised by os.environ', () => {
    // Act
    const found = extractMissingVariable(pythonKeyErrorLog);

    // Assess
    expect(found).toEqual({ variable: 'DATABASE_URL', line: "KeyError: 'DATABASE_URL'" });
  });

  it("accepts a lower-case KeyError only when the traceback shows it read from os.environ", () => {
    // Prepare
    const fromEnviron = ['  File "/app/main.py", line 4', '    url = os.environ["database_url"]', "KeyError: 'database_url'"];
    const fromDict = ['  File "/app/orders.py", line 88', "    customer = row['user_id']", "KeyError: 'user_id'"];

    // Act
    const found = [extractMissingVariable(fromEnviron)?.variable, extractMissingVariable(fromDict)];

    // Assess
    expect(found).toEqual(['database_url', undefined]);
  });

  it('returns the variable of the last line that names one: the crash is at the end', () => {
    // Act
    const found = extractMissingVariable(['environment variable OLD_NAME is not set', 'booting', 'environment variable DATABASE_URL is not set']);

    // Assess
    expect(found?.variable).toBe('DATABASE_URL');
  });

  it.each([
    ['a variable that is set', 'DATABASE_URL=postgres://shop@db:5432/shop'],
    ['a mention without a complaint', 'connecting using DATABASE_URL from the environment'],
    ['an invalid name', 'environment variable 1DATABASE_URL is not set'],
    ['a name with a dash', 'environment variable DATABASE-URL is not set'],
    ['a dotted Spring property', "Could not resolve placeholder 'spring.datasource.url' in value"],
    ['a warning that falls back to a default', 'environment variable LOG_LEVEL is not set, defaulting to info'],
    ['prose in capitals without an underscore', 'TLS is required for this endpoint'],
    ['a lower-case "must be set"', 'password must be set'],
    ['a Secret key, not a ConfigMap key', "couldn't find key password in Secret shop/db-credentials"],
    ['an unrelated error', 'psycopg2.OperationalError: could not connect to server: Connection refused'],
  ])('finds nothing in %s', (_label, line) => {
    // Act
    const found = extractMissingVariable([line]);

    // Assess
    expect(found).toBeUndefined();
  });

  it('finds nothing in no lines', () => {
    // Act
    const found = extractMissingVariable([]);

    // Assess
    expect(found).toBeUndefined();
  });
});
