import { describe, expect, it } from 'vitest';
import { finalBaseImage } from './containerfile.js';

describe('finalBaseImage', () => {
  it('follows the final stage back to its base, substituting ARGs given before the first FROM', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'ARG BASE=quay.io/fedora/fedora-bootc:42',
      'FROM --platform=linux/amd64 docker.io/library/golang:1.22 AS build',
      'RUN go build ./...',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Containerfile's own variable syntax
      'FROM ${BASE} AS os',
      'FROM os',
      'COPY --from=build /app /usr/bin/app',
    ].join('\n');
    expect(finalBaseImage(text, 'Containerfile')).toBe('quay.io/fedora/fedora-bootc:42');
  });

  it('reads continued lines and lower-case instructions', () => {
    expect(finalBaseImage('from \\\n  registry.example.com/base:9 \\\n  as base\n', 'C')).toBe(
      'registry.example.com/base:9',
    );
  });

  it('has no base to watch for FROM scratch, and refuses a file without FROM or with an unset ARG', () => {
    expect(finalBaseImage('FROM scratch\nCOPY x /\n', 'C')).toBeUndefined();
    expect(() => finalBaseImage('RUN true\n', 'C')).toThrow('C: has no FROM instruction');
    expect(() => finalBaseImage('FROM $NOPE\n', 'C')).toThrow(
      'C: FROM uses $NOPE, which no ARG before the first FROM sets',
    );
  });
});
