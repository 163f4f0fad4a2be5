# Independent oracle for the Red Hat CSAF importer tests: a plain walk of a CSAF document, written apart from the
# TypeScript code. Versions come from each component's NEVRA name (`curl-0:7.76.1-26.el9_3.2.x86_64`), not from its
# purl, so the two spellings Red Hat writes are checked against each other.
#
# usage: python3 csaf-oracle.py FILE STATUS CPE_REGEX
# prints a JSON list of rows [cpe, name, "source"|"binary", evr or null, sorted arches, advisory or null, date or null]
# for every product id in product_status[STATUS] whose product CPE matches CPE_REGEX, rows equal but for the arch
# merged into one.
import json
import re
import sys

path, status, cpe_pattern = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
with open(path) as handle:
    doc = json.load(handle)

cpes = {}
names = {}


def walk(branches):
    for branch in branches:
        product = branch.get("product")
        if product:
            helper = product.get("product_identification_helper", {})
            if "cpe" in helper:
                cpes[product["product_id"]] = helper["cpe"]
            else:
                names[product["product_id"]] = product["name"]
        walk(branch.get("branches", []))


walk(doc["product_tree"]["branches"])
relationships = {
    r["full_product_name"]["product_id"]: (r["product_reference"], r["relates_to_product_reference"])
    for r in doc["product_tree"].get("relationships", [])
}

rows = {}
for vulnerability in doc["vulnerabilities"]:
    fixes = {}
    for remediation in vulnerability.get("remediations", []):
        if remediation["category"] == "vendor_fix":
            advisory = re.search(r"RHSA-\d+:\d+", remediation["url"]).group(0)
            for product_id in remediation["product_ids"]:
                fixes.setdefault(product_id, (advisory, remediation.get("date")))
    for product_id in vulnerability["product_status"].get(status, []):
        if product_id not in relationships:
            continue  # a statement about a whole product (`Text-Only JBCS`), not one of its packages
        component, product = relationships[product_id]
        cpe = cpes[product]
        if not cpe_pattern.search(cpe):
            continue
        nevra = re.match(r"^(.+)-(\d+):([^-]+)-([^-]+)\.([^.]+)$", names[component])
        if nevra:
            name, epoch, version, release, arch = nevra.groups()
            evr = ("" if epoch == "0" else epoch + ":") + version + "-" + release
        else:
            # An unfixed component: `curl`, or `curl.src` for the source rpm.
            name, arch, evr = re.sub(r"\.src$", "", names[component]), None, None
            if names[component].endswith(".src"):
                arch = "src"
        kind = "source" if arch == "src" else "binary"
        advisory, date = fixes.get(product_id, (None, None))
        key = (cpe, name, kind, evr, advisory, date)
        arches = rows.setdefault(key, set())
        if arch not in (None, "src"):
            arches.add(arch)

print(json.dumps([[*key[:4], sorted(arches), *key[4:]] for key, arches in sorted(rows.items(), key=str)]))
