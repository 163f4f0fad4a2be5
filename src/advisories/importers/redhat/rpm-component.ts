import { PackageURL } from 'packageurl-js';
import type { PackageNameKind } from '../../advisory.js';
import { versionProblem } from '../version-problem.js';

/**
 * A component of a Red Hat CSAF product tree read from its purl, as Red Hat writes them (security-data-guidelines,
 * purl.md): `pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=x86_64`, the epoch as an `epoch` qualifier, a module's rpm
 * with `rpmmod=nodejs:20:9040020240807145403:rhel9`, a source rpm with `arch=src`; an unfixed component has no
 * version (`pkg:rpm/redhat/curl`, `pkg:rpm/redhat/curl?arch=src`). A module itself is `pkg:rpmmod/redhat/gimp@2.8:…`.
 */
export type Component =
  | {
      kind: 'rpm';
      name: string;
      /** `arch=src` is the source rpm; any other arch, or none (an unfixed binary rpm), is a binary rpm. */
      nameKind: PackageNameKind;
      /** The binary rpm's arch when the purl gives one. */
      arch?: string;
      /** `[E:]V-R`, the epoch only when it is not 0 (as rpm prints an installed package). */
      evr?: string;
      /** `name:stream` from the `rpmmod` qualifier. */
      module?: string;
    }
  | { kind: 'module'; module: string }
  /** A purl type Patchline does not scan (oci, maven, npm, generic, …). */
  | { kind: 'other'; type: string };

export type ComponentResult = { component: Component } | { problem: string };

/**
 * Reads `name:stream[:version:context]` (an rpmmod qualifier, or a module purl's name plus version) into `name:stream`.
 * RHEL 10 dropped modules, yet Red Hat's data has written `rpmmod=rhel10` for some RHEL 10 rpms: a value without a
 * stream says no module we can match, and guessing one (or dropping it) would match the wrong installs.
 */
function moduleStream(value: string): string | undefined {
  const [name, stream] = value.split(':');
  return name && stream ? `${name}:${stream}` : undefined;
}

export function readComponent(purl: string): ComponentResult {
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(purl);
  } catch (error) {
    return { problem: `not a valid purl (${(error as Error).message})` };
  }
  if (parsed.type === 'rpmmod') {
    const module = moduleStream(`${parsed.name}:${parsed.version ?? ''}`);
    return module === undefined
      ? { problem: `module purl ${purl} names no stream` }
      : { component: { kind: 'module', module } };
  }
  if (parsed.type !== 'rpm') return { component: { kind: 'other', type: parsed.type } };

  const qualifiers = parsed.qualifiers ?? {};
  const arch = qualifiers.arch;
  const component: Component = { kind: 'rpm', name: parsed.name, nameKind: arch === 'src' ? 'source' : 'binary' };
  if (arch !== undefined && arch !== 'src') component.arch = arch;
  if (qualifiers.rpmmod !== undefined) {
    const module = moduleStream(qualifiers.rpmmod);
    if (module === undefined)
      return { problem: `rpmmod qualifier "${qualifiers.rpmmod}" is not name:stream[:version:context]` };
    component.module = module;
  }
  if (parsed.version !== undefined && parsed.version !== null) {
    const epoch = qualifiers.epoch;
    if (epoch !== undefined && !/^\d+$/.test(epoch)) return { problem: `epoch qualifier "${epoch}" is not a number` };
    const evr = epoch === undefined || Number(epoch) === 0 ? parsed.version : `${epoch}:${parsed.version}`;
    const problem = versionProblem('rpm', evr);
    if (problem !== undefined) return { problem };
    // A fixed rpm always has a release; `1.0` alone is a version without one and would compare below every release.
    if (!/-[^-]+$/.test(parsed.version)) return { problem: `version "${parsed.version}" has no release` };
    component.evr = evr;
  }
  return { component };
}
