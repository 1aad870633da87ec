"""Validates OCI seccomp profiles: the runtime-spec schema (with the jsonschema module), then
the rules a runtime's libseccomp adds on top, which a schema cannot say.

usage: check_oci.py SCHEMA PROFILE...   prints "ok PROFILE" per profile, or the first problem
and exits 1.
"""
import json
import sys

import jsonschema


def consumer_rules(doc):
    """What runc/crun + libseccomp need beyond the schema."""
    default = (doc["defaultAction"], doc.get("defaultErrnoRet"))
    if ("defaultErrnoRet" in doc) != (doc["defaultAction"] == "SCMP_ACT_ERRNO"):
        return "defaultErrnoRet goes with SCMP_ACT_ERRNO only"
    for entry in doc.get("syscalls", []):
        if (entry["action"], entry.get("errnoRet")) == default:
            return f"entry {entry['names']} repeats the default action (libseccomp refuses it)"
        if ("errnoRet" in entry) != (entry["action"] == "SCMP_ACT_ERRNO"):
            return f"entry {entry['names']}: errnoRet goes with SCMP_ACT_ERRNO only"
        indexes = [a["index"] for a in entry.get("args", [])]
        if len(indexes) != len(set(indexes)):
            return f"entry {entry['names']} repeats an argument index (runtimes would OR the conditions)"
        for arg in entry.get("args", []):
            if arg["index"] > 5:
                return f"entry {entry['names']}: argument index {arg['index']} above 5"
            if arg["op"] == "SCMP_CMP_MASKED_EQ" and arg.get("valueTwo", 0) & ~arg["value"]:
                return f"entry {entry['names']}: masked value has bits outside its mask (never matches)"
    return None


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    for path in sys.argv[2:]:
        with open(path) as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            print(f"{path}: schema: {errors[0].message} at {list(errors[0].path)}")
            sys.exit(1)
        problem = consumer_rules(doc)
        if problem:
            print(f"{path}: {problem}")
            sys.exit(1)
        print(f"ok {path}")


main()
