import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { findProgram } from './real-images.js';

/**
 * SCAP content for the compliance tests: the real SCAP Security Guide datastreams Debian ships (ssg-debderived,
 * ssg-nondebian), and tailoring files that select a handful of their rules, as a company's own tailoring would.
 */
export const SSG_CONTENT = '/usr/share/xml/scap/ssg/content';
export const UBUNTU_2204_DS = `${SSG_CONTENT}/ssg-ubuntu2204-ds.xml`;
export const RHEL9_DS = `${SSG_CONTENT}/ssg-rhel9-ds.xml`;
export const RULE = 'xccdf_org.ssgproject.content_rule_';
export const VALUE = 'xccdf_org.ssgproject.content_value_';
export const CIS_LEVEL1_SERVER = 'xccdf_org.ssgproject.content_profile_cis_level1_server';

export function scapMissing(): string | undefined {
  if (!findProgram('oscap')) return 'oscap is not installed (apt-get install openscap-scanner)';
  for (const file of [UBUNTU_2204_DS, RHEL9_DS]) {
    if (!existsSync(file)) return `${file} is missing (apt-get install ssg-debderived ssg-nondebian)`;
  }
  if (process.getuid?.() !== 0) return 'materialising an image with its file owners needs root';
  return undefined;
}

/**
 * Debian's ssg-debderived 0.1.65 (bookworm) ships no Debian datastream, only Ubuntu's. Ubuntu 22.04's benchmark
 * differs from a Debian 12 one in its platform (a CPE every rule inherits, so on Debian every rule is notapplicable);
 * its checks of login.defs and of file owners and modes read the same files Debian has. This copy drops that one
 * benchmark-level platform line and changes nothing else, so the real rules apply to a Debian image.
 */
export async function ubuntuContentForDebian(file: string): Promise<void> {
  const text = await readFile(UBUNTU_2204_DS, 'utf8');
  const platform = /\n\s*<xccdf-1\.2:platform idref="cpe:\/o:canonical:ubuntu_linux:22\.04[^"]*"\/>/;
  if (!platform.test(text)) throw new Error(`${UBUNTU_2204_DS}: the benchmark platform line was not found`);
  await writeFile(file, text.replace(platform, ''));
}

/** An XCCDF 1.2 tailoring file with one profile that selects exactly `rules` (short ids) and sets `values`. */
export async function tailoring(
  file: string,
  profile: string,
  rules: string[],
  values: Record<string, string> = {},
): Promise<void> {
  const selects = rules.map((rule) => `    <xccdf:select idref="${RULE}${rule}" selected="true"/>`);
  const sets = Object.entries(values).map(
    ([name, value]) => `    <xccdf:set-value idref="${VALUE}${name}">${value}</xccdf:set-value>`,
  );
  await writeFile(
    file,
    `<?xml version="1.0" encoding="UTF-8"?>
<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_dev.patchline_tailoring_test">
  <xccdf:version time="2026-01-01T00:00:00">1</xccdf:version>
  <xccdf:Profile id="${profile}">
    <xccdf:title>Patchline test: rules that read the image's files</xccdf:title>
${[...selects, ...sets].join('\n')}
  </xccdf:Profile>
</xccdf:Tailoring>
`,
  );
}
