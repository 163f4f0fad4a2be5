import * as CDX from '@cyclonedx/cyclonedx-library';
import { VERSION } from '../core/index.js';
import type { Finding, ScanResult, SuppressedFinding } from '../scan/index.js';
import { orderFindings } from './finding-order.js';
import { imagePurl } from './sbom-ids.js';

const { AnalysisJustification, AnalysisResponse, AnalysisState, AffectStatus } = CDX.Enums.Vulnerability;

// OpenVEX and CSAF justification labels in CycloneDX's vocabulary; CycloneDX's own values pass through.
const JUSTIFICATIONS: Record<string, CDX.Enums.Vulnerability.AnalysisJustification> = {
  component_not_present: AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_present: AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_in_execute_path: AnalysisJustification.CodeNotReachable,
  vulnerable_code_cannot_be_controlled_by_adversary: AnalysisJustification.RequiresEnvironment,
  inline_mitigations_already_exist: AnalysisJustification.ProtectedByMitigatingControl,
  ...Object.fromEntries(Object.values(AnalysisJustification).map((value) => [value, value])),
};

/**
 * The scan as a CycloneDX 1.6 BOM with vulnerabilities (CycloneDX VEX): the image as the subject, the packages with
 * findings as components, one vulnerability per finding with `affects` pointing at its package. Findings the
 * publisher calls not affected, and findings a VEX statement suppressed, carry an `analysis` saying so and why.
 */
export function cyclonedxVexBom(result: ScanResult, now: Date = new Date(result.scannedAt)): CDX.Models.Bom {
  const bom = new CDX.Models.Bom();
  bom.serialNumber = CDX.Contrib.Bom.Utils.randomSerialNumber();
  bom.metadata.timestamp = now;
  bom.metadata.tools.components.add(
    new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'patchline', { version: VERSION }),
  );
  const purl = imagePurl(result.target);
  bom.metadata.component = new CDX.Models.Component(CDX.Enums.ComponentType.Container, result.target.name, {
    bomRef: 'image',
    ...(result.target.digest ? { version: result.target.digest } : {}),
    ...(purl ? { purl } : {}),
  });
  bom.metadata.properties.add(new CDX.Models.Property('patchline:database:snapshot', result.database.snapshotId));
  if (result.noData !== undefined) {
    // An empty vulnerability list here means nothing was looked for, not a clean image.
    bom.metadata.properties.add(new CDX.Models.Property('patchline:no-advisory-data', result.noData));
  }

  const components = new Map<string, CDX.Models.Component>();
  const componentOf = (finding: Finding): CDX.Models.Component => {
    let component = components.get(finding.package.purl);
    if (!component) {
      component = new CDX.Models.Component(CDX.Enums.ComponentType.Library, finding.package.name, {
        bomRef: finding.package.purl,
        version: finding.package.installed,
        purl: finding.package.purl,
      });
      components.set(finding.package.purl, component);
      bom.components.add(component);
    }
    return component;
  };

  for (const finding of orderFindings(result.findings)) {
    bom.vulnerabilities.add(vulnerability(finding, componentOf(finding), analysisOf(finding)));
  }
  for (const entry of result.suppressed) {
    bom.vulnerabilities.add(vulnerability(entry.finding, componentOf(entry.finding), suppressedAnalysis(entry)));
  }
  return bom;
}

export function cyclonedxVexJson(result: ScanResult, now?: Date): string {
  const spec = CDX.Spec.SpecVersionDict[CDX.Spec.Version.v1dot6]!;
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(spec));
  return `${serializer.serialize(cyclonedxVexBom(result, now), { sortLists: true, space: 2 })}\n`;
}

function vulnerability(
  finding: Finding,
  component: CDX.Models.Component,
  analysis: CDX.Models.Vulnerability.Analysis | undefined,
): CDX.Models.Vulnerability.Vulnerability {
  const source = new CDX.Models.Vulnerability.Source({
    name: `${finding.source.format} ${finding.source.ecosystem}`,
    ...(finding.references?.[0] ? { url: finding.references[0] } : {}),
  });
  const vulnerability = new CDX.Models.Vulnerability.Vulnerability({
    bomRef: `${finding.id}|${finding.package.purl}`,
    id: finding.id,
    source,
    ...(finding.summary ? { description: finding.summary } : {}),
    ...(finding.fixedVersion ? { recommendation: `Update ${finding.package.name} to ${finding.fixedVersion}` } : {}),
    ...(analysis ? { analysis } : {}),
  });
  for (const alias of finding.aliases) {
    vulnerability.references.add(new CDX.Models.Vulnerability.Reference(alias, new CDX.Models.Vulnerability.Source()));
  }
  for (const url of finding.references ?? []) {
    if (URL.canParse(url)) vulnerability.advisories.add(new CDX.Models.Vulnerability.Advisory(url));
  }
  const affected = finding.status !== 'not-affected' && analysis?.state !== AnalysisState.NotAffected;
  const affect = new CDX.Models.Vulnerability.Affect(component.bomRef);
  affect.versions.add(
    new CDX.Models.Vulnerability.AffectedSingleVersion(finding.package.installed, {
      status: affected ? AffectStatus.Affected : AffectStatus.Unaffected,
    }),
  );
  vulnerability.affects.add(affect);
  const properties: Array<[string, string | undefined]> = [
    ['patchline:status', finding.status],
    ['patchline:fixed-version', finding.fixedVersion],
    ['patchline:fix-advisory', finding.fixAdvisory],
    ['patchline:fix-available-since', finding.fixAvailableSince],
    ['patchline:fix-date-origin', finding.fixDateOrigin],
    ['patchline:severity', finding.severity],
    ['patchline:source-note', finding.source.note],
  ];
  for (const [name, value] of properties) {
    if (value) vulnerability.properties.add(new CDX.Models.Property(name, value));
  }
  return vulnerability;
}

function analysisOf(finding: Finding): CDX.Models.Vulnerability.Analysis | undefined {
  switch (finding.status) {
    case 'not-affected':
      return new CDX.Models.Vulnerability.Analysis({
        state: AnalysisState.NotAffected,
        detail: `${finding.source.format} ${finding.source.ecosystem} states this package is not affected`,
      });
    case 'will-not-fix':
      return new CDX.Models.Vulnerability.Analysis({
        response: new CDX.Enums.Vulnerability.AnalysisResponseRepository([AnalysisResponse.WillNotFix]),
        detail: 'the publisher will not fix this in the stream the image follows',
      });
    case 'fix-available':
      // No state: a scanner knows a fix exists, not whether the flaw can be exploited in this image.
      return new CDX.Models.Vulnerability.Analysis({
        response: new CDX.Enums.Vulnerability.AnalysisResponseRepository([AnalysisResponse.Update]),
      });
    case 'no-fix-yet':
      return undefined;
  }
}

function suppressedAnalysis({ statement }: SuppressedFinding): CDX.Models.Vulnerability.Analysis {
  const justification = statement.justification ? JUSTIFICATIONS[statement.justification] : undefined;
  const detail = [
    `suppressed by ${statement.source}: ${statement.status}`,
    statement.justification ? `justification ${statement.justification}` : '',
    statement.impact ?? '',
  ]
    .filter((part) => part !== '')
    .join('; ');
  return new CDX.Models.Vulnerability.Analysis({
    state: statement.status === 'fixed' ? AnalysisState.Resolved : AnalysisState.NotAffected,
    ...(justification && statement.status !== 'fixed' ? { justification } : {}),
    detail,
  });
}
