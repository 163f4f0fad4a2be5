"""Independent oracle for test/scan-almalinux.test.ts: which AlmaLinux OSV advisories an rpm database lacks.

Reads the OSV records straight from the AlmaLinux tarball, the installed packages with the real `rpm -qa` (name,
epoch, version, release, arch, MODULARITYLABEL), and compares versions with python3-rpm's labelCompare. It shares no
code with Patchline. Rules (docs/decisions/0012-scan-matching-rules.md): an entry names a binary rpm; a fixed build
with a module disttag belongs to the module streams named in the erratum title (any stream when the title names
none) and matches only packages of those streams; a non-modular fixed build matches only non-modular packages; a
package lacks an advisory when it is below every fixed build the advisory lists for it.

Usage: /usr/bin/python3 almalinux-oracle.py TARBALL MAJOR DBPATH  ->  JSON [[name, arch, evr, id, lowest fixed], ...]
"""
import json
import re
import subprocess
import sys
import tarfile

import rpm

tarball, major, dbpath = sys.argv[1], sys.argv[2], sys.argv[3]

query = "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{MODULARITYLABEL}\\n"
out = subprocess.run(
    ["rpm", "--dbpath", dbpath, "--define", "_db_backend bdb_ro", "-qa", "--qf", query],
    check=True, capture_output=True, text=True,
).stdout
installed = []
for line in out.splitlines():
    name, epoch, version, release, arch, label = line.split("\t")
    epoch = "0" if epoch == "(none)" else epoch
    stream = None if label == "(none)" else ":".join(label.split(":")[:2])
    installed.append((name, epoch, version, release, arch, stream))
by_name = {}
for pkg in installed:
    by_name.setdefault(pkg[0], []).append(pkg)


def split_evr(text):
    epoch, _, rest = text.rpartition(":")
    version, _, release = rest.partition("-")
    return (epoch or "0", version, release)


def title_streams(title):
    # "Moderate: ruby:3.3 security update", "virt:rhel and virt-devel:rhel", "httpd:2.4/mod_http2": word:word with no
    # space after the colon.
    return set(m.group(1) + ":" + m.group(2) for m in re.finditer(r"([A-Za-z0-9][\w.+-]*):([A-Za-z0-9][\w.+-]*?)(?=[\s,)/]|$)", title))


results = []
with tarfile.open(tarball) as archive:
    for member in archive:
        if not member.isfile() or not member.name.endswith(".json"):
            continue
        record = json.load(archive.extractfile(member))
        if record.get("withdrawn"):
            continue
        streams = title_streams(record.get("summary", ""))
        fixes = {}  # (name, arch, epoch, version, release) -> [fixed builds that apply]
        for affected in record.get("affected", []):
            ecosystem = affected["package"]["ecosystem"]
            if ecosystem.split(":")[0] != "AlmaLinux" or ecosystem.split(":")[1].split(".")[0] != major:
                continue
            for rng in affected.get("ranges", []):
                assert rng["type"] == "ECOSYSTEM", record["id"]
                for event in rng["events"]:
                    if "fixed" not in event:
                        assert event.get("introduced") == "0", (record["id"], event)
                        continue
                    fixed = event["fixed"]
                    modular = re.search(r"\.module[+_]el\d", fixed) is not None
                    for pkg in by_name.get(affected["package"]["name"], []):
                        if modular and (pkg[5] is None or (streams and pkg[5] not in streams)):
                            continue
                        if not modular and pkg[5] is not None:
                            continue
                        fixes.setdefault(pkg[:5], []).append(fixed)
        for (name, epoch, version, release, arch), builds in fixes.items():
            have = (epoch, version, release)
            if all(rpm.labelCompare(have, split_evr(build)) < 0 for build in builds):
                lowest = builds[0]
                for build in builds[1:]:
                    if rpm.labelCompare(split_evr(build), split_evr(lowest)) < 0:
                        lowest = build
                evr = epoch + ":" + version + "-" + release
                results.append([name, arch, evr, record["id"], lowest])

json.dump(sorted(results), sys.stdout)
