/**
 * The Pipeline resource as its author meets it: a typo is an error naming its path and line, the rules between
 * fields hold, and the published JSON Schema is the one the CLI prints and accepts the README's example.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseYamlDocument } from '../src/core/index.js';
import { pipelineSchema } from '../src/fleet/index.js';
import { ensureBuilt, projectRoot, runCli } from './helpers/cli.js';

const EXAMPLE = `apiVersion: patchline.dev/v1
kind: Pipeline
metadata: {name: web-os}
spec:
  source: {containerfile: Containerfile, context: .}
  triggers: {baseImage: true, fixes: true, schedule: {cron: "0 3 * * *", timeZone: Europe/Berlin}}
  test:
    - {name: smoke, run: [podman, run, --rm, "{{image}}", /usr/bin/app, --self-test]}
    - {gate: {policy: policy.yaml}}
  publish: {repository: registry.example.com/os/web, tags: [latest, "{{date}}"]}
  promote:
    - {fleet: canary}
    - {fleet: production, after: {fleet: canary, rollout: succeeded, soak: 24h}}
`;

const parse = (text: string) => parseYamlDocument(text, 'pipeline.yaml', pipelineSchema, 'a Pipeline');

describe('the Pipeline resource', () => {
  it('reads the README example', () => {
    const pipeline = parse(EXAMPLE);
    expect(pipeline.spec.promote?.[1]?.after).toEqual({ fleet: 'canary', rollout: 'succeeded', soak: '24h' });
  });

  it('names an unknown key by its path and line', () => {
    expect(() => parse(EXAMPLE.replace('  triggers:', '  trigers:'))).toThrow(
      'pipeline.yaml: spec.trigers: unknown key (line 6)',
    );
    expect(() => parse(EXAMPLE.replace('{name: smoke, run:', '{name: smoke, command:'))).toThrow(
      /pipeline\.yaml: spec\.test\[0\]\.command: unknown key \(line 8\)/,
    );
  });

  it('holds the rules between fields', () => {
    expect(() => parse(EXAMPLE.replace('  source: {containerfile: Containerfile, context: .}\n', ''))).toThrow(
      'spec.source: expected exactly one of source (a Containerfile) or build (a command)',
    );
    expect(() =>
      parse(EXAMPLE.replace('    - {fleet: canary}\n', '').replace('after: {fleet: canary', 'after: {fleet: canary')),
    ).toThrow('spec.promote[0].after.fleet: must be a fleet promoted earlier in the list (none is)');
    expect(() => parse(EXAMPLE.replace('timeZone: Europe/Berlin', 'timeZone: Mars/Olympus'))).toThrow(
      'expected an IANA time zone',
    );
    expect(() => parse(EXAMPLE.replace('"{{date}}"', '"{{nope}}"'))).toThrow('spec.publish.tags[1]');
    expect(() =>
      parse(
        EXAMPLE.replace('  source: {containerfile: Containerfile, context: .}', '  build: {command: [./build.sh]}'),
      ),
    ).toThrow('spec.triggers.baseImage: needs source.containerfile');
  });

  it('publishes the JSON Schema the CLI prints, which accepts the example and refuses the typo', async () => {
    ensureBuilt();
    const printed = runCli(['pipeline', 'run', '--print-schema']);
    expect(printed.status).toBe(0);
    const published = JSON.parse(await readFile(join(projectRoot, 'schemas/pipeline-v1.json'), 'utf8'));
    expect(JSON.parse(printed.stdout)).toEqual(published);
    const validate = new Ajv2020.default({ strict: false }).compile(published);
    const { parse: parseYaml } = await import('yaml');
    expect(validate(parseYaml(EXAMPLE))).toBe(true);
    expect(validate(parseYaml(EXAMPLE.replace('  triggers:', '  trigers:')))).toBe(false);
  });
});
