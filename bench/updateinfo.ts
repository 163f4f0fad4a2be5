// Reading a large updateinfo.xml (Fedora's updates repository is the largest publisher's): 40,000 security errata,
// four builds each, about 84 MB of XML, read by the updateinfo importer's strict XML reader.
// Run once after `npm run build`: npm run bench:updateinfo [-- ERRATA]
import { fromDist } from './lib/dist.js';

const { readUpdateinfo } = await fromDist<typeof import('../src/advisories/importers/updateinfo.js')>(
  'advisories/importers/updateinfo.js',
);

const ERRATA = Number(process.argv[2] ?? 40_000);
const parts = ['<?xml version="1.0"?>\n<updates>\n'];
for (let i = 0; i < ERRATA; i++) {
  const id = `FEDORA-2024-${i.toString(16).padStart(10, '0')}`;
  const cve = `CVE-2024-${1000 + i}`;
  const packages = ['x86_64', 'aarch64', 'i686', 'src']
    .map(
      (arch) =>
        `<package name="pkg${i}" version="1.0" release="1.fc41" epoch="0" arch="${arch}" src="pkg${i}-1.0-1.fc41.src.rpm"><filename>pkg${i}-1.0-1.fc41.${arch}.rpm</filename><sum type="sha256">${'a'.repeat(64)}</sum></package>`,
    )
    .join('');
  parts.push(
    `<update from="updates@fedoraproject.org" status="stable" type="security" version="2.0"><id>${id}</id><title>pkg${i}-1.0-1.fc41</title><issued date="2024-01-03 10:00:00"/><severity>Moderate</severity><description>Security fix for ${cve} &amp; more. ${'x'.repeat(400)}</description><references><reference href="https://bugzilla.redhat.com/show_bug.cgi?id=${i}" id="${i}" type="bugzilla" title="${cve} pkg: issue"/><reference href="https://www.cve.org/CVERecord?id=${cve}" id="${cve}" type="cve"/></references><pkglist><collection short="F41"><name>Fedora 41</name>${packages}</collection></pkglist></update>\n`,
  );
}
parts.push('</updates>\n');
const text = parts.join('');
const started = performance.now();
const { records } = readUpdateinfo(text, 'bench.xml');
const ms = performance.now() - started;
console.log(
  `${(text.length / 1e6).toFixed(1)} MB, ${records.length} records, ${ms.toFixed(0)} ms, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
);
