/**
 * Module streams of an rpm erratum. AlmaLinux's and Rocky's OSV records have no field for them: the only structured
 * trace is the release's module disttag (`1.24.6-7.module_el8.9.0+3627+db8ec155`, `3.3.1-2.module+el9.4.0+20787+…`),
 * whose hash is derived from name, stream, version and context and cannot be inverted. The stream is in the
 * erratum's title, as Red Hat writes it and both rebuilders copy it: `Moderate: ruby:3.3 security update`,
 * `Low: virt:rhel and virt-devel:rhel security and bug fix update`, `Important: httpd:2.4/mod_http2 security update`.
 */

/** Whether an rpm release was built in a module (MBS disttag `.module+elN…`, AlmaLinux's `.module_elN…`). */
export function isModularRelease(version: string): boolean {
  return /\.module[+_]el\d/.test(version);
}

/**
 * The `name:stream` pairs an erratum title names, in order, unique. `Important: ` is excluded because a stream follows
 * its colon without a space.
 */
export function titleModuleStreams(title: string): string[] {
  const found = title.matchAll(/(?:^|[\s,(])([A-Za-z0-9][\w.+-]*):([A-Za-z0-9][\w.+-]*?)(?=[\s,)/]|$)/g);
  return [...new Set([...found].map((match) => `${match[1]}:${match[2]}`))];
}

/** `nodejs:18` from a purl's `rpmmod` qualifier (`rpmmod=nodejs:18:9040020240807145403:rhel9`), as Red Hat writes it. */
export function purlModuleStream(purl: string | undefined): string | undefined {
  const value = purl === undefined ? undefined : /[?&]rpmmod=([^&#]+)/.exec(purl)?.[1];
  if (value === undefined) return undefined;
  const [name, stream] = decodeURIComponent(value).split(':');
  return name && stream ? `${name}:${stream}` : undefined;
}
