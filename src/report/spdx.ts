import { createHash, randomUUID } from 'node:crypto';
import spdxExpressionParse from 'spdx-expression-parse';
import { VERSION } from '../core/index.js';
import type { Inventory } from '../inventory/index.js';
import { fullVersion } from '../inventory/index.js';
import { imagePurl, targetTitle } from './sbom-ids.js';

const NOASSERTION = 'NOASSERTION';

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  supplier?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  licenseConcluded: string;
  licenseDeclared: string;
  licenseComments?: string;
  copyrightText: string;
  sourceInfo?: string;
  primaryPackagePurpose?: 'CONTAINER' | 'OPERATING-SYSTEM' | 'LIBRARY';
  externalRefs?: Array<{ referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }>;
  annotations?: Array<{ annotationType: 'OTHER'; annotator: string; annotationDate: string; comment: string }>;
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  documentDescribes: string[];
  packages: SpdxPackage[];
  relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string }>;
}

/** SPDX ids allow letters, digits, `.` and `-`; a hash of the purl keeps them stable and unique. */
function spdxId(kind: string, key: string): string {
  return `SPDXRef-${kind}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** A declared license as SPDX wants it: a valid expression, or NOASSERTION with the original kept as a comment. */
function declaredLicense(license: string | undefined): { licenseDeclared: string; licenseComments?: string } {
  if (!license) return { licenseDeclared: NOASSERTION };
  try {
    spdxExpressionParse(license);
    return { licenseDeclared: license };
  } catch {
    return { licenseDeclared: NOASSERTION, licenseComments: `declared by the package database as: ${license}` };
  }
}

/** The SPDX 2.3 JSON document of an inventory: the image DESCRIBES-d, CONTAINS its OS and packages. */
export function spdxDocument(inventory: Inventory, now: Date = new Date()): SpdxDocument {
  const created = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const target = inventory.target;
  const imageId = 'SPDXRef-Image';
  const image: SpdxPackage = {
    SPDXID: imageId,
    name: target.name,
    ...(target.digest ? { versionInfo: target.digest } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: 'CONTAINER',
  };
  const purl = imagePurl(target);
  if (purl)
    image.externalRefs = [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }];
  const packages: SpdxPackage[] = [image];
  const relationships: SpdxDocument['relationships'] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageId },
  ];
  // OS packages belong to the operating system: the image CONTAINS the OS, which CONTAINS them (as Trivy reads it).
  let packageParent = imageId;
  if (inventory.os) {
    const osId = 'SPDXRef-OperatingSystem';
    packageParent = osId;
    packages.push({
      SPDXID: osId,
      name: inventory.os.id,
      ...(inventory.os.versionId ? { versionInfo: inventory.os.versionId } : {}),
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: 'OPERATING-SYSTEM',
    });
    relationships.push({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: osId });
  }
  const used = new Set<string>();
  for (const pkg of inventory.packages) {
    let id = spdxId('Package', pkg.purl);
    for (let n = 1; used.has(id); n++) id = spdxId('Package', `${pkg.purl}#${n}`);
    used.add(id);
    const entry: SpdxPackage = {
      SPDXID: id,
      name: pkg.name,
      versionInfo: fullVersion(pkg),
      supplier: pkg.vendor ? `Organization: ${pkg.vendor}` : NOASSERTION,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      ...declaredLicense(pkg.license),
      copyrightText: NOASSERTION,
      primaryPackagePurpose: 'LIBRARY',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
    };
    if (pkg.sourceName) {
      entry.sourceInfo = `built from source package ${pkg.sourceRpm ?? `${pkg.sourceName} ${pkg.sourceVersion ?? ''}`.trim()}`;
    }
    if (pkg.layer) {
      entry.annotations = [
        {
          annotationType: 'OTHER',
          annotator: `Tool: patchline-${VERSION}`,
          annotationDate: created,
          comment: `layer: ${pkg.layer.digest}`,
        },
      ];
    }
    packages.push(entry);
    relationships.push({ spdxElementId: packageParent, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  }
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: targetTitle(target),
    documentNamespace: `https://patchline.dev/spdx/${encodeURIComponent(target.digest ?? target.name)}/${randomUUID()}`,
    creationInfo: { created, creators: [`Tool: patchline-${VERSION}`] },
    documentDescribes: [imageId],
    packages,
    relationships,
  };
}

export function spdxJson(inventory: Inventory, now?: Date): string {
  return `${JSON.stringify(spdxDocument(inventory, now), null, 2)}\n`;
}
