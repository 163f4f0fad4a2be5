"""Independent oracle for test/scan-redhat.test.ts: what Red Hat's CSAF VEX documents say about an rpm database.

Reads the VEX JSON itself (product tree, relationships, product_status, vendor_fix remediations), the installed
packages with the real `rpm -qa` (name, epoch, version, release, arch, SOURCERPM) and orders versions with
python3-rpm's labelCompare. Shares no code with Patchline. Rules, from Red Hat's guidance for scanner vendors: only
products whose CPE is RHEL N's main stream (cpe:/[ao]:redhat:enterprise_linux:N...) count, not EUS/AUS/E4S; a
binary component matches a package of that name and arch, a `.src` component the package built from that source; a
package is judged by the main-stream products of one minor release, read from the product id
(`BaseOS-9.3.0.Z.MAIN`, `AppStream-9.2.0.Z.MAIN.EUS`): the package's own minor (`el9_N` in its release), else the
image's (MAJOR.MINOR argument), taking the first minor listed at or above it, else the latest minor listed (products
whose id names no minor always count). A package with one of those fixed builds at or below its version is fixed;
otherwise the lowest fixed build above it is the fix, and the vendor_fix remediation naming that product id is the
erratum. known_not_affected components (name only) match by binary or source name.

Usage: /usr/bin/python3 redhat-vex-oracle.py MAJOR[.MINOR] ROOT DBPATH VEX.json...
  -> JSON [[name, arch, evr, cve, status, fixed or null, erratum or null], ...]
"""
import json
import re
import subprocess
import sys

import rpm

target, root, dbpath, documents = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
major, _, image_minor = target.partition(".")
MAIN = re.compile(r"^cpe:/[ao]:redhat:enterprise_linux:" + re.escape(major) + r"(:|$)")

query = "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n"
out = subprocess.run(
    ["rpm", "--root", root, "--dbpath", dbpath, "--define", "_db_backend sqlite", "-qa", "--qf", query],
    check=True, capture_output=True, text=True,
).stdout
installed = []
for line in out.splitlines():
    name, epoch, version, release, arch, sourcerpm = line.split("\t")
    source = re.sub(r"-[^-]+-[^-]+\.src\.rpm$", "", sourcerpm)
    installed.append((name, "0" if epoch == "(none)" else epoch, version, release, arch, source))


def nevra(component):
    """`curl-0:7.76.1-23.el9_2.4.x86_64` -> (name, epoch, version, release, arch); None for a bare name."""
    match = re.match(r"^(.+)-(\d+):([^-]+)-(.+)\.([^.]+)$", component)
    return match.groups() if match else None


def product_minor(product_id):
    """`BaseOS-9.3.0.Z.MAIN` -> 3; None for a product id without a release (`red_hat_enterprise_linux_9`)."""
    match = re.search(r"-\d+\.(\d+)\.\d+(\.|$)", product_id)
    return int(match.group(1)) if match else None


def judged_minor(release, minors):
    """The minor whose products a package of this release is judged by."""
    match = re.search(r"\.el\d+_(\d+)", release)
    own = int(match.group(1)) if match else (int(image_minor) if image_minor else None)
    if own is not None:
        for minor in sorted(minors):
            if minor >= own:
                return minor
    return max(minors)


def product_cpes(tree):
    cpes = {}
    stack = list(tree.get("branches", []))
    while stack:
        branch = stack.pop()
        product = branch.get("product")
        if product and "cpe" in product.get("product_identification_helper", {}):
            cpes[product["product_id"]] = product["product_identification_helper"]["cpe"]
        stack.extend(branch.get("branches", []))
    return cpes


rows = []
for path in documents:
    document = json.load(open(path))
    cpes = product_cpes(document["product_tree"])
    parts = {}
    for relation in document["product_tree"].get("relationships", []):
        parts[relation["full_product_name"]["product_id"]] = (
            relation["relates_to_product_reference"],
            relation["product_reference"],
        )
    for vulnerability in document["vulnerabilities"]:
        cve = vulnerability["cve"]
        erratum_of = {}
        for remediation in vulnerability.get("remediations", []):
            if remediation["category"] == "vendor_fix" and "url" in remediation:
                for product_id in remediation["product_ids"]:
                    erratum_of[product_id] = remediation["url"].rstrip("/").split("/")[-1]
        status = vulnerability["product_status"]
        for pkg in installed:
            name, epoch, version, release, arch, source = pkg
            have = (epoch, version, release)
            fixes = []
            for product_id in status.get("fixed", []):
                stream, component = parts.get(product_id, (None, None))
                if stream is None or not MAIN.match(cpes.get(stream, "")):
                    continue
                parsed = nevra(component)
                if parsed is None:
                    continue
                c_name, c_epoch, c_version, c_release, c_arch = parsed
                if (c_arch == "src" and c_name == source) or (c_arch != "src" and c_name == name and c_arch == arch):
                    fixes.append(((c_epoch, c_version, c_release), product_id, product_minor(stream)))
            minors = {minor for _, _, minor in fixes if minor is not None}
            if minors:
                chosen = judged_minor(release, minors)
                fixes = [fix for fix in fixes if fix[2] is None or fix[2] == chosen]
            evr = epoch + ":" + version + "-" + release
            if fixes:
                if any(rpm.labelCompare(have, fixed) >= 0 for fixed, _, _ in fixes):
                    continue
                lowest = fixes[0]
                for fix in fixes[1:]:
                    if rpm.labelCompare(fix[0], lowest[0]) < 0:
                        lowest = fix
                (e, v, r), product_id, _ = lowest
                fixed = (("" if e == "0" else e + ":") + v + "-" + r)
                rows.append([name, arch, evr, cve, "fix-available", fixed, erratum_of.get(product_id)])
                continue
            for product_id in status.get("known_not_affected", []):
                stream, component = parts.get(product_id, (None, None))
                if stream is not None and MAIN.match(cpes.get(stream, "")) and component in (name, source):
                    rows.append([name, arch, evr, cve, "not-affected", None, None])
                    break

json.dump(sorted(rows), sys.stdout)
