import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import { sha256OfFile } from '../src/oci/index.js';
import { type GateResult, gateEvidence, gateImage, type RuleResult } from '../src/policy/index.js';
import { renderGateReport } from '../src/report/index.js';
import { buildRpms, gateToolsMissing, rpmImage } from './helpers/gate-images.js';
import { findProgram, isUnavailable, realImages, run } from './helpers/real-images.js';
import {
  CIS_LEVEL1_SERVER,
  RHEL9_DS,
  RULE,
  scapMissing,
  tailoring,
  UBUNTU_2204_DS,
  ubuntuContentForDebian,
} from './helpers/scap-content.js';
import { tempDir } from './helpers/tmp.js';

/*
 * The compliance rule on a real Debian 12 image (debootstrap, then podman build: test/helpers/real-images.ts), and the
 * same image with one more layer that hardens /etc/shadow (umoci). OpenSCAP evaluates each image's merged root
 * filesystem, extracted by Patchline, with the SCAP Security Guide's Ubuntu 22.04 content made to apply to Debian
 * (test/helpers/scap-content.ts says why and how), through a tailoring that selects five file rules. Expected results,
 * checked by hand against the files and the rules' OVAL states: stock Debian has /etc/shadow and /etc/gshadow 0640
 * root:shadow (gid 42) and /etc/passwd 0644 root:root; SSG wants shadow and gshadow mode 0000 and gshadow group 0;
 * the hardening layer makes /etc/shadow 0000.
 *
 * Only file rules: Debian's oscap 1.3.7 fails to start its dpkginfo probe on an offline root (see the last test), so
 * rules and platforms that ask about Debian packages cannot be judged here.
 */

const SHARED = resolve(import.meta.dirname, '../../shared');
const TRACKER = join(SHARED, 'fixtures/vuln/debian-tracker/vunnel-debian-tracker-subset.json');
const NOW = '2026-09-01T00:00:00Z';
const PROFILE = 'xccdf_dev.patchline_profile_image_files';
const RULES = [
  'file_owner_etc_shadow',
  'file_groupowner_etc_gshadow',
  'file_permissions_etc_passwd',
  'file_permissions_etc_shadow',
  'file_permissions_etc_gshadow',
];

const SKIP = !existsSync(TRACKER)
  ? '../shared is absent'
  : (scapMissing() ?? (findProgram('umoci') ? undefined : 'umoci is not installed'));

function complianceRule(result: GateResult): RuleResult {
  return result.rules.find((rule) => rule.rule === 'compliance')!;
}

function resultsOf(result: GateResult): Record<string, string> {
  return Object.fromEntries((result.compliance?.results ?? []).map((r) => [r.rule.slice(RULE.length), r.result]));
}

describe.skipIf(SKIP !== undefined)(SKIP ? `gate compliance (skipped: ${SKIP})` : 'gate compliance', () => {
  let work: string;
  let db: string;
  let stock: string;
  let hardened: string;
  let datastream: string;
  let tailored: string;
  let unavailable: string | undefined;
  const options = () => ({ db, now: NOW, image: { cacheDir: join(work, 'cache') } });

  async function policy(name: string, compliance: string): Promise<string> {
    const file = join(work, `${name}.yaml`);
    await writeFile(
      file,
      `apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: ${name}}\nspec:\n  compliance:\n${compliance}`,
    );
    return file;
  }

  beforeAll(async () => {
    const images = await realImages();
    if (isUnavailable(images)) {
      unavailable = images.unavailable;
      return;
    }
    work = await tempDir('patchline-gate-compliance-');
    db = join(work, 'advisories.db');
    const database = AdvisoryDatabase.open(db);
    try {
      await importPaths(database, [TRACKER], { at: '2026-08-31T00:00:00Z' });
    } finally {
      database.close();
    }
    stock = images.podman.oci;
    // The hardened image: the podman image plus one layer, as a build that applies the company's policy adds it.
    const [, podmanLayout, tag] = /^oci:(.*):([^:]+)$/.exec(images.podman.oci) ?? [];
    const layout = join(work, 'layout');
    await cp(podmanLayout!, layout, { recursive: true });
    const bundle = join(work, 'bundle');
    await run('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
    const shadow = join(bundle, 'rootfs/etc/shadow');
    expect(((await stat(shadow)).mode & 0o7777).toString(8)).toBe('640');
    await chmod(shadow, 0o000);
    await run('umoci', ['repack', '--image', `${layout}:hardened`, bundle]);
    hardened = `oci:${layout}:hardened`;

    datastream = join(work, 'ssg-ubuntu2204-for-debian-ds.xml');
    await ubuntuContentForDebian(datastream);
    tailored = join(work, 'tailoring.xml');
    await tailoring(tailored, PROFILE, RULES);
  }, 300_000);

  it('judges the image, not this machine: a rule fails on the stock image and passes once a layer fixes the file', async ({
    skip,
  }) => {
    if (unavailable) skip(unavailable);
    const file = await policy(
      'files',
      `    datastream: ${datastream}\n    profile: ${PROFILE}\n    tailoring: tailoring.xml\n`,
    );
    const before = await gateImage(stock, file, options());
    expect(resultsOf(before)).toEqual({
      file_owner_etc_shadow: 'pass',
      // gid 42 (shadow) as the layer records it: an extraction that dropped owners (all root) would pass this.
      file_groupowner_etc_gshadow: 'fail',
      file_permissions_etc_passwd: 'pass',
      file_permissions_etc_shadow: 'fail',
      file_permissions_etc_gshadow: 'fail',
    });
    expect(before.verdict).toBe('fail');
    expect(complianceRule(before)).toMatchObject({
      outcome: 'fail',
      inputs: {
        profile: PROFILE,
        // In the benchmark's order, as oscap writes the results.
        failing: [
          `${RULE}file_groupowner_etc_gshadow`,
          `${RULE}file_permissions_etc_gshadow`,
          `${RULE}file_permissions_etc_shadow`,
        ],
        datastreamDigest: await sha256OfFile(datastream),
        tailoringDigest: await sha256OfFile(tailored),
      },
    });

    const after = await gateImage(hardened, file, options());
    expect(resultsOf(after)).toMatchObject({
      file_permissions_etc_shadow: 'pass',
      file_permissions_etc_gshadow: 'fail',
    });
    expect(after.compliance?.failing).toEqual([
      `${RULE}file_groupowner_etc_gshadow`,
      `${RULE}file_permissions_etc_gshadow`,
    ]);
  });

  it('an exception in force turns a failing rule into a pass; an expired one does not, and fails the gate itself', async ({
    skip,
  }) => {
    if (unavailable) skip(unavailable);
    const exceptions = (entries: Array<[rule: string, expires: string]>) =>
      `    exceptions:\n${entries
        .map(
          ([rule, expires]) =>
            `      - rule: ${RULE}${rule}\n        justification: gshadow holds no group passwords on our images\n        approver: security@example.com\n        expires: ${expires}\n`,
        )
        .join('')}`;
    const base = `    datastream: ${datastream}\n    profile: ${PROFILE}\n    tailoring: ${tailored}\n`;
    const waived = exceptions([
      ['file_groupowner_etc_gshadow', '2027-01-01'],
      ['file_permissions_etc_gshadow', '2027-01-01'],
    ]);
    const inForce = await gateImage(hardened, await policy('waived', base + waived), options());
    expect(inForce.verdict).toBe('pass');
    expect(complianceRule(inForce)).toMatchObject({
      outcome: 'pass',
      inputs: { excepted: [`${RULE}file_groupowner_etc_gshadow`, `${RULE}file_permissions_etc_gshadow`] },
    });
    expect(inForce.compliance?.exceptions.map((e) => [e.state, e.result])).toEqual([
      ['active', 'fail'],
      ['active', 'fail'],
    ]);
    // On the stock image the same exceptions leave /etc/shadow's mode failing.
    const stockWaived = await gateImage(stock, await policy('waived-stock', base + waived), options());
    expect(stockWaived.compliance?.failing).toEqual([`${RULE}file_permissions_etc_shadow`]);

    // One exception expired: it waives nothing and fails the gate itself.
    const mixed = exceptions([
      ['file_groupowner_etc_gshadow', '2027-01-01'],
      ['file_permissions_etc_gshadow', '2026-08-01'],
    ]);
    const expired = await gateImage(hardened, await policy('expired', base + mixed), options());
    expect(expired.verdict).toBe('fail');
    expect(complianceRule(expired).message).toContain('1 exception(s) expired');
    expect(expired.compliance?.failing).toEqual([`${RULE}file_permissions_etc_gshadow`]);

    // The reports name the failing rule and the expired exception.
    const table = renderGateReport(expired, 'table');
    expect(table).toMatch(/file_permissions_etc_gshadow\s+fail\s+fails the gate/);
    expect(table).toContain('exception EXPIRED 2026-08-01');
    expect(renderGateReport(expired, 'markdown')).toContain('compliance: 1 XCCDF rule(s) failing');
    const json = JSON.parse(renderGateReport(expired, 'json')) as GateResult;
    expect(json.compliance?.failing).toEqual([`${RULE}file_permissions_etc_gshadow`]);
    // SARIF: one result per failing XCCDF rule and per expired exception (the waived rule is not one).
    const sarif = JSON.parse(renderGateReport(expired, 'sarif')) as {
      runs: Array<{ results: Array<{ ruleId: string; message: { text: string } }> }>;
    };
    const compliance = sarif.runs[0]!.results.filter((entry) => entry.ruleId === 'compliance');
    expect(compliance.map((entry) => entry.message.text)).toEqual([
      expect.stringContaining(`${RULE}file_permissions_etc_gshadow is fail`),
      expect.stringContaining('exception EXPIRED 2026-08-01'),
    ]);
  });

  it('keeps the ARF beside the evidence, and the evidence names the content by digest', async ({ skip }) => {
    if (unavailable) skip(unavailable);
    const file = await policy(
      'arf',
      `    datastream: ${datastream}\n    profile: ${PROFILE}\n    tailoring: ${tailored}\n`,
    );
    const arf = join(work, 'gate.arf.xml');
    const result = await gateImage(hardened, file, { ...options(), complianceArf: arf });
    const evidence = gateEvidence(result);
    expect(evidence.compliance).toMatchObject({
      datastream: { path: datastream, digest: await sha256OfFile(datastream) },
      profile: PROFILE,
      arf: { path: arf, digest: await sha256OfFile(arf) },
    });
    expect(evidence.compliance?.results).toHaveLength(RULES.length);
    const text = await readFile(arf, 'utf8');
    expect(text).toContain('asset-report-collection');
    expect(text).toContain(`${RULE}file_permissions_etc_shadow`);
  });

  it('fails closed: content for another OS judges nothing, a broken datastream and failing probes are errors', async ({
    skip,
  }) => {
    if (unavailable) skip(unavailable);
    // Ubuntu's content as shipped: every rule notapplicable on Debian, which is no pass.
    const ubuntu = await gateImage(
      stock,
      await policy(
        'ubuntu',
        `    datastream: ${UBUNTU_2204_DS}\n    profile: ${PROFILE}\n    tailoring: ${tailored}\n`,
      ),
      options(),
    );
    expect(complianceRule(ubuntu)).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining('judged no rule'),
    });
    expect(resultsOf(ubuntu).file_permissions_etc_shadow).toBe('notapplicable');

    const broken = join(work, 'broken-ds.xml');
    await writeFile(broken, (await readFile(datastream, 'utf8')).slice(0, 200_000));
    await expect(
      gateImage(
        stock,
        await policy('broken', `    datastream: ${broken}\n    profile: ${PROFILE}\n    tailoring: ${tailored}\n`),
        options(),
      ),
    ).rejects.toThrow(/broken-ds\.xml: could not be evaluated/);

    await expect(
      gateImage(
        stock,
        await policy('missing', `    datastream: ${join(work, 'nope.xml')}\n    profile: ${PROFILE}\n`),
        options(),
      ),
    ).rejects.toThrow(/nope\.xml: \(the compliance datastream\) cannot be read/);

    // The whole CIS profile uses the dpkginfo probe, which fails on an offline root in Debian's oscap 1.3.7: its
    // package rules would read "not installed" for everything, so the gate refuses to judge rather than pass them.
    await expect(
      gateImage(
        stock,
        await policy('cis', `    datastream: ${datastream}\n    profile: ${CIS_LEVEL1_SERVER}\n`),
        options(),
      ),
    ).rejects.toThrow(/dpkginfo_init has failed/);
  });
});

/*
 * An rpm-based image against the RHEL 9 datastream (ssg-nondebian): its applicability check asks rpm for a
 * redhat-release package of version 9, and package rules ask rpm too, so this shows oscap's rpm probes reading the
 * image's rpmdb.sqlite offline (Patchline points librpm at it: compliance-scan.ts). The packages are built with
 * rpmbuild and installed with `rpm --root` (test/helpers/gate-images.ts), named as RHEL's; the base layer holds the
 * release files and /etc/shadow at mode 0000, owner and group root, which the two file rules below want.
 */
const RPM_SKIP = SKIP ?? gateToolsMissing();
const RHEL_PROFILE = 'xccdf_dev.patchline_profile_rhel_packages';

describe.skipIf(RPM_SKIP !== undefined)(
  RPM_SKIP ? `gate compliance, rpm (skipped: ${RPM_SKIP})` : 'gate compliance, rpm',
  () => {
    let work: string;
    let db: string;
    let policyFile: string;
    let stock: string;
    let withAide: string;
    let noRelease: string;
    const options = () => ({ db, now: NOW, image: { cacheDir: join(work, 'cache') } });

    beforeAll(async () => {
      work = await tempDir('patchline-gate-compliance-rpm-');
      db = join(work, 'advisories.db');
      AdvisoryDatabase.open(db).close();
      const root = join(work, 'base-root');
      await mkdir(join(root, 'etc'), { recursive: true });
      await writeFile(join(root, 'etc/redhat-release'), 'Red Hat Enterprise Linux release 9.4 (Plow)\n');
      await writeFile(join(root, 'etc/os-release'), 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nVERSION_ID="9.4"\n');
      await writeFile(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n');
      await chmod(join(root, 'etc/shadow'), 0o000);
      const base = join(work, 'base.tar');
      await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', base, '.']);
      const rpms = await buildRpms(work, [
        { name: 'redhat-release', evr: '9.4-0.5.el9' },
        { name: 'aide', evr: '0.16-100.el9' },
      ]);
      const release = rpms.get('redhat-release-9.4-0.5.el9')!;
      stock = (await rpmImage(work, 'rhel-stock', { base, rpms: [release] })).ref;
      withAide = (await rpmImage(work, 'rhel-aide', { base, rpms: [release, rpms.get('aide-0.16-100.el9')!] })).ref;
      noRelease = (await rpmImage(work, 'rhel-none', { base, rpms: [rpms.get('aide-0.16-100.el9')!] })).ref;
      const tailored = join(work, 'tailoring.xml');
      await tailoring(tailored, RHEL_PROFILE, [
        'package_aide_installed',
        'package_telnet-server_removed',
        'file_permissions_etc_shadow',
        'file_groupowner_etc_shadow',
      ]);
      policyFile = join(work, 'rhel.yaml');
      await writeFile(
        policyFile,
        `apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: rhel}\nspec:\n  compliance:\n    datastream: ${RHEL9_DS}\n    profile: ${RHEL_PROFILE}\n    tailoring: tailoring.xml\n`,
      );
    }, 120_000);

    it("reads the image's rpm database: a package rule fails, then passes once the package is in the image", async () => {
      const before = await gateImage(stock, policyFile, options());
      expect(resultsOf(before)).toEqual({
        package_aide_installed: 'fail',
        'package_telnet-server_removed': 'pass',
        file_permissions_etc_shadow: 'pass',
        file_groupowner_etc_shadow: 'pass',
      });
      expect(before.compliance?.failing).toEqual([`${RULE}package_aide_installed`]);
      const after = await gateImage(withAide, policyFile, options());
      // (The verdict also fails on database.maxAge: the test's advisory database is empty, which is never clean.)
      expect(complianceRule(after)).toMatchObject({ outcome: 'pass', inputs: { pass: 4, failing: [] } });
      expect(resultsOf(after).package_aide_installed).toBe('pass');
      // Without redhat-release the RHEL 9 content does not apply: nothing judged, which is no pass.
      const none = await gateImage(noRelease, policyFile, options());
      expect(complianceRule(none)).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining('judged no rule'),
      });
    });
  },
);
