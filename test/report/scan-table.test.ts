import { describe, expect, it } from 'vitest';
import { scanTable } from '../../src/report/scan-table.js';
import { sampleScanResult } from '../helpers/scan-results.js';

describe('scanTable', () => {
  const text = scanTable(sampleScanResult());
  const lines = text.split('\n');
  const header = lines.findIndex((line) => line.startsWith('PACKAGE'));
  const rows = lines.slice(header + 1, header + 6);

  it('lists fixes available first, the oldest fix first, then the other statuses', () => {
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual([
      'curl.x86_64',
      'openssl-libs.x86_64',
      'bash.x86_64',
      'libcurl.x86_64',
      'gnupg2.x86_64',
    ]);
    expect(rows.map((row) => /\b(fix-available|no-fix-yet|will-not-fix|not-affected)\b/.exec(row)?.[1])).toEqual([
      'fix-available',
      'fix-available',
      'fix-available',
      'no-fix-yet',
      'will-not-fix',
    ]);
  });

  it('shows installed and fixed versions, the advisory with its CVEs, and the fix age from the scan time', () => {
    // 2023-10-18 → 2024-07-01 counted by hand: 13 + 30 + 31 + 31 + 29 (leap) + 31 + 30 + 31 + 30 + 1 = 257 days.
    expect(rows[0]).toMatch(
      /^curl\.x86_64\s+7\.76\.1-23\.el9_2\.2\s+7\.76\.1-23\.el9_2\.4\s+fix-available\s+ALSA-2023:5763 \(CVE-2023-38545, CVE-2023-38546\)\s+2023-10-18 \(257 d\)\s+AlmaLinux:9$/,
    );
    expect(rows[1]).toContain('1:3.0.7-24.el9');
    // A first-seen date is marked as such.
    expect(rows[2]).toContain('~2024-06-01 (30 d)');
  });

  it('lists suppressed findings with their statement, and sums up per status with the oldest unshipped fix', () => {
    expect(text).toMatch(
      /Suppressed by VEX:\nPACKAGE.*\nvim-minimal\s+2:8\.2\.2637-20\.el9_1\s+ALSA-2024:1000\s+CVE-2024-2222\s+not_affected\s+vulnerable_code_not_in_execute_path\s+vex\/base\.openvex\.json/,
    );
    expect(text).toContain(
      '5 finding(s) in 212 package(s): 3 fix-available, 1 no-fix-yet, 1 will-not-fix, 0 not-affected; 1 suppressed by VEX',
    );
    expect(text).toContain(
      'Oldest unshipped fix: ALSA-2023:5763 for curl (7.76.1-23.el9_2.4), available since 2023-10-18, 257 days ago',
    );
  });

  it('sums up the exposure: how many fixes the image lacks and how long the oldest has been available', () => {
    // Three fix-available findings (curl, openssl-libs, bash); the oldest, curl's, 257 days old (counted above).
    expect(text).toContain('Exposure: 3 unshipped fixes, the oldest available for 257 days\n');
    const one = { ...sampleScanResult() };
    one.findings = one.findings.filter(
      (finding) => finding.package.name === 'bash' || finding.status !== 'fix-available',
    );
    // bash's fix: first seen 2024-06-01, 30 days before the scan.
    expect(scanTable(one)).toContain('Exposure: 1 unshipped fix, the oldest available for 30 days\n');
    const none = { ...sampleScanResult() };
    none.findings = none.findings.filter((finding) => finding.status !== 'fix-available');
    expect(scanTable(none)).toContain('Exposure: no unshipped fixes\n');
  });

  it('prints only the summary for a clean image', () => {
    const clean = { ...sampleScanResult(), findings: [], suppressed: [] };
    const output = scanTable(clean);
    expect(output).not.toContain('PACKAGE');
    expect(output).toContain('0 finding(s) in 212 package(s)');
    expect(output).not.toContain('Oldest unshipped fix');
  });
});
