"""Checks UBL 2.1 invoices and credit notes with the official validators.

Usage: validate_ubl.py VALIDATORS_DIR FILE...

Each file is checked against the UBL 2.1 XSD of its root element (lxml) and the two
Peppol BIS Billing 3.0 Schematron stylesheets (EN 16931 rules, then Peppol rules) with
SaxonC-HE. Every failed assertion flagged fatal or error is printed as
`FILE: RULE-ID [flag] text (location)`; the exit status is 1 when any file fails.
The stylesheets are compiled once per run.
"""

import re
import sys
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "UBL-Invoice-2.1.xsd",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "UBL-CreditNote-2.1.xsd",
}
SCHEMATRONS = ("CEN-EN16931-UBL.xslt", "PEPPOL-EN16931-UBL.xslt")
FAILING = {"fatal", "error"}


def schema_errors(schemas, validators, document):
    root = document.getroot().tag
    name = ROOTS.get(root)
    if name is None:
        return [f"XSD [fatal] the root element {root} is neither a UBL Invoice nor a CreditNote"]
    if name not in schemas:
        schemas[name] = etree.XMLSchema(file=str(validators / "ubl-2.1" / "maindoc" / name))
    schema = schemas[name]
    if schema.validate(document):
        return []
    return [f"XSD [fatal] line {e.line}: {e.message}" for e in schema.error_log]


def schematron_errors(executable, path):
    svrl = executable.transform_to_string(source_file=str(path))
    report = etree.fromstring(svrl.encode("utf-8"))
    errors = []
    for failed in report.iter(f"{SVRL}failed-assert"):
        flag = failed.get("flag", "")
        if flag not in FAILING:
            continue
        text = " ".join("".join(failed.itertext()).split())
        location = re.sub(r"\[namespace-uri\(\)='[^']*'\]", "", failed.get("location", ""))
        errors.append(f"{failed.get('id')} [{flag}] {text} ({location})")
    return errors


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    validators = Path(argv[1])
    files = [Path(p) for p in argv[2:]]
    failed = False
    schemas = {}
    with PySaxonProcessor(license=False) as saxon:
        xslt = saxon.new_xslt30_processor()
        executables = [
            xslt.compile_stylesheet(stylesheet_file=str(validators / "peppol-2026.5" / name))
            for name in SCHEMATRONS
        ]
        for path in files:
            try:
                document = etree.parse(str(path))
            except etree.XMLSyntaxError as e:
                print(f"{path}: XML [fatal] not well-formed: {e}")
                failed = True
                continue
            errors = schema_errors(schemas, validators, document)
            for executable in executables:
                errors += schematron_errors(executable, path)
            for error in errors:
                print(f"{path}: {error}")
            failed = failed or bool(errors)
            if not errors:
                print(f"{path}: valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
