import * as CDX from '@cyclonedx/cyclonedx-library';
import spdxExpressionParse from 'spdx-expression-parse';
import { VERSION } from '../core/index.js';
import type { Inventory, Package } from '../inventory/index.js';
import { fullVersion } from '../inventory/index.js';
import { imagePurl } from './sbom-ids.js';

const licenseFactory = new CDX.Contrib.License.Factories.LicenseFactory((value: string) => {
  spdxExpressionParse(value);
});

/** Properties in the `patchline:` namespace carry what CycloneDX has no field for (CycloneDX property taxonomy). */
function packageProperties(pkg: Package): CDX.Models.Property[] {
  const properties: Array<[string, string | number | undefined]> = [
    ['patchline:package:type', pkg.type],
    ['patchline:package:source-name', pkg.sourceName],
    ['patchline:package:source-version', pkg.sourceVersion],
    ['patchline:package:epoch', pkg.epoch],
    ['patchline:package:release', pkg.release],
    ['patchline:package:arch', pkg.arch],
    ['patchline:rpm:sourcerpm', pkg.sourceRpm],
    ['patchline:rpm:modularitylabel', pkg.modularityLabel],
    ['patchline:package:database', pkg.source],
    ['patchline:layer:digest', pkg.layer?.digest],
    ['patchline:layer:index', pkg.layer?.index],
  ];
  return properties
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '')
    .map(([name, value]) => new CDX.Models.Property(name, String(value)));
}

/** Builds the CycloneDX 1.6 model of an inventory: the image, its operating system, and every package in it. */
export function cyclonedxBom(inventory: Inventory, now: Date = new Date()): CDX.Models.Bom {
  const bom = new CDX.Models.Bom();
  bom.serialNumber = CDX.Contrib.Bom.Utils.randomSerialNumber();
  const tool = new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'patchline', { version: VERSION });
  bom.metadata.tools.components.add(tool);
  bom.metadata.timestamp = now;

  const target = inventory.target;
  const image = new CDX.Models.Component(CDX.Enums.ComponentType.Container, target.name, {
    bomRef: 'image',
    ...(target.digest ? { version: target.digest } : {}),
    ...(imagePurl(target) ? { purl: imagePurl(target) } : {}),
  });
  for (const [name, value] of Object.entries(target.labels).sort()) {
    image.properties.add(new CDX.Models.Property(`patchline:image:label:${name}`, value));
  }
  if (target.configDigest)
    image.properties.add(new CDX.Models.Property('patchline:image:config-digest', target.configDigest));
  if (target.platform) image.properties.add(new CDX.Models.Property('patchline:image:platform', target.platform));
  image.properties.add(new CDX.Models.Property('patchline:image:bootc', String(inventory.bootc.bootc)));
  for (const kernel of inventory.kernels) {
    const owner = kernel.owner ? ` (${kernel.owner.purl})` : '';
    image.properties.add(new CDX.Models.Property('patchline:kernel', `${kernel.version} ${kernel.path}${owner}`));
  }
  bom.metadata.component = image;

  const os = inventory.os
    ? new CDX.Models.Component(CDX.Enums.ComponentType.OperatingSystem, inventory.os.id, {
        bomRef: 'os',
        ...(inventory.os.versionId ? { version: inventory.os.versionId } : {}),
        ...(inventory.os.prettyName ? { description: inventory.os.prettyName } : {}),
      })
    : undefined;
  if (os) {
    bom.components.add(os);
    image.dependencies.add(os.bomRef);
  }

  const seen = new Set<string>();
  for (const pkg of inventory.packages) {
    // A purl names one package; a database listing the same one twice (multilib, duplicates) yields one component.
    const ref = seen.has(pkg.purl) ? `${pkg.purl}#${seen.size}` : pkg.purl;
    seen.add(ref);
    const component = new CDX.Models.Component(CDX.Enums.ComponentType.Library, pkg.name, {
      bomRef: ref,
      version: fullVersion(pkg),
      purl: pkg.purl,
      ...(pkg.vendor ? { publisher: pkg.vendor } : {}),
    });
    if (pkg.license) component.licenses.add(licenseFactory.makeFromString(pkg.license));
    for (const property of packageProperties(pkg)) component.properties.add(property);
    bom.components.add(component);
    (os ?? image).dependencies.add(component.bomRef);
  }
  return bom;
}

export type CyclonedxVersion = '1.6' | '1.5' | '1.4';

const SPECS: Record<CyclonedxVersion, CDX.Spec.Version> = {
  '1.6': CDX.Spec.Version.v1dot6,
  '1.5': CDX.Spec.Version.v1dot5,
  '1.4': CDX.Spec.Version.v1dot4,
};

/**
 * The inventory as CycloneDX JSON, 1.6 by default. Older versions are for consumers that cannot read 1.6 yet (the
 * Trivy that cdxgen ships reads 1.5 at most); the model is the same, the library drops what an older spec lacks.
 */
export function cyclonedxJson(inventory: Inventory, now?: Date, version: CyclonedxVersion = '1.6'): string {
  const spec = CDX.Spec.SpecVersionDict[SPECS[version]]!;
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(spec));
  return serializer.serialize(cyclonedxBom(inventory, now), { sortLists: true, space: 2 });
}
