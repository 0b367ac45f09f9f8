"""Checks Salesforce DX metadata files against the Metadata API WSDL (an oracle sfjwt did not write:
simple-salesforce ships Salesforce's metadata.wsdl). For each *-meta.xml file, the root element names
a complexType; every child element must be declared in that type or one of its base types (nested
complex types checked the same way), and every element the WSDL requires (minOccurs absent or >= 1)
must be present. Usage: check.py WSDL FILE...; prints one line per problem, exits 1 if any."""
import sys
import xml.etree.ElementTree as E

XSD = "{http://www.w3.org/2001/XMLSchema}"
MD = "http://soap.sforce.com/2006/04/metadata"


def load_types(wsdl):
    types = {}
    for schema in E.parse(wsdl).getroot().iter(XSD + "schema"):
        if schema.get("targetNamespace") != MD:
            continue
        for ct in schema.findall(XSD + "complexType"):
            base, elems = None, []
            ext = ct.find(f"{XSD}complexContent/{XSD}extension")
            body = ext if ext is not None else ct
            if ext is not None:
                base = ext.get("base").split(":")[-1]
            seq = body.find(XSD + "sequence")
            for el in (seq.findall(XSD + "element") if seq is not None else []):
                elems.append((el.get("name"), el.get("type", "").split(":")[-1], el.get("minOccurs", "1") != "0"))
            types[ct.get("name")] = (base, elems)
    return types


def declared(types, name):
    out = []
    while name in types:
        base, elems = types[name]
        out = elems + out
        name = base
    return out


def check(types, node, type_name, where, problems):
    elems = declared(types, type_name)
    by_name = {n: (t, req) for n, t, req in elems}
    present = set()
    for child in node:
        tag = child.tag.split("}")[-1]
        present.add(tag)
        if tag not in by_name:
            problems.append(f"{where}: <{tag}> is not an element of {type_name} (or its base types)")
            continue
        child_type = by_name[tag][0]
        if child_type in types:
            check(types, child, child_type, f"{where}/{tag}", problems)
    for n, _, req in elems:
        # fullName is carried by the file name in source format.
        if req and n not in present and n != "fullName":
            problems.append(f"{where}: required <{n}> of {type_name} is missing")


def main():
    types = load_types(sys.argv[1])
    problems = []
    for path in sys.argv[2:]:
        root = E.parse(path).getroot()
        name = root.tag.split("}")[-1]
        if name not in types:
            problems.append(f"{path}: {name} is not a metadata type in the WSDL")
            continue
        check(types, root, name, f"{path}:{name}", problems)
    print("\n".join(problems) if problems else "ok")
    sys.exit(1 if problems else 0)


main()
