import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SCAN_JSON_SCHEMA_VERSION, scanJson, scanJsonSchema } from '../../src/report/scan-json.js';
import { sampleScanResult } from '../helpers/scan-results.js';

describe('scanJson', () => {
  const result = sampleScanResult();
  const document = JSON.parse(scanJson(result));

  it('matches its documented schema strictly, with the schema version', () => {
    const strict = scanJsonSchema.strict();
    expect(strict.parse(document).schemaVersion).toBe(SCAN_JSON_SCHEMA_VERSION);
    // The contract is publishable as JSON Schema.
    expect(z.toJSONSchema(scanJsonSchema)).toHaveProperty('properties.findings');
  });

  it('keeps every finding and suppressed finding, ordered, with counts that add up', () => {
    expect(document.findings).toHaveLength(result.findings.length);
    expect(document.findings.map((finding: { id: string }) => finding.id)).toEqual([
      'ALSA-2023:5763',
      'ALSA-2024:2447',
      'ALSA-2024:3000',
      'CVE-2024-2398',
      'CVE-2022-3219',
    ]);
    expect(document.summary).toEqual({
      'fix-available': 3,
      'no-fix-yet': 1,
      'will-not-fix': 1,
      'not-affected': 0,
      suppressed: 1,
    });
    expect(document.suppressed[0].statement.source).toBe('vex/base.openvex.json');
    expect(document.target).not.toHaveProperty('layers');
  });
});
