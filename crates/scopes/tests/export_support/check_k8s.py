"""Checks a Kubernetes SeccompProfile resource against the OCI profile of the same promises.

usage: check_k8s.py RESOURCE.yaml PROFILE.json NAME   prints "ok" or the first problem and
exits 1.

The shape is the Security Profiles Operator's documented resource (API group
security-profiles-operator.x-k8s.io, version v1beta1, kind SeccompProfile; its spec holds the
OCI profile's fields, and errnoRet is a string there), and the rules must be exactly the OCI
profile's: the same default action, architectures and entries in the same order (the OCI
profile's per-entry "comment" is the only field left out), and the same approximations.
"""
import json
import sys

import yaml

SPEC_FIELDS = {"baseProfileName", "defaultAction", "architectures", "listenerPath",
               "listenerMetadata", "syscalls", "flags"}
SYSCALL_FIELDS = {"names", "action", "errnoRet", "args"}
ARG_FIELDS = {"index", "value", "valueTwo", "op"}
ACTIONS = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
           "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}
OPS = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
       "SCMP_CMP_MASKED_EQ"}


def problem(resource, oci, name):
    if set(resource) != {"apiVersion", "kind", "metadata", "spec"}:
        return f"top-level fields {sorted(resource)}"
    if resource["apiVersion"] != "security-profiles-operator.x-k8s.io/v1beta1":
        return f"apiVersion {resource['apiVersion']}"
    if resource["kind"] != "SeccompProfile":
        return f"kind {resource['kind']}"
    meta = resource["metadata"]
    if meta.get("name") != name:
        return f"metadata.name {meta.get('name')!r}, expected {name!r}"
    for key, value in meta.get("annotations", {}).items():
        if not isinstance(value, str):
            return f"annotation {key} is not a string"
    spec = resource["spec"]
    if not set(spec) <= SPEC_FIELDS:
        return f"spec fields outside the resource's schema: {sorted(set(spec) - SPEC_FIELDS)}"
    if spec["defaultAction"] != oci["defaultAction"] or spec["defaultAction"] not in ACTIONS:
        return f"defaultAction {spec['defaultAction']} vs {oci['defaultAction']}"
    if spec["architectures"] != oci["architectures"]:
        return f"architectures {spec['architectures']} vs {oci['architectures']}"
    if not isinstance(spec["syscalls"], list) or len(spec["syscalls"]) != len(oci["syscalls"]):
        return f"{len(spec['syscalls'])} syscalls entries vs {len(oci['syscalls'])}"
    for ours, theirs in zip(spec["syscalls"], oci["syscalls"]):
        if not set(ours) <= SYSCALL_FIELDS:
            return f"entry fields {sorted(ours)}"
        if ours["action"] not in ACTIONS:
            return f"action {ours['action']}"
        if "errnoRet" in ours and not isinstance(ours["errnoRet"], str):
            return f"errnoRet {ours['errnoRet']!r} is not a string (the resource's schema)"
        for arg in ours.get("args", []):
            if not set(arg) <= ARG_FIELDS or arg["op"] not in OPS:
                return f"argument {arg}"
            if not all(isinstance(arg.get(k, 0), int) and arg.get(k, 0) >= 0
                       for k in ("index", "value", "valueTwo")):
                return f"argument {arg}: numbers must be non-negative integers"
        expected = {k: v for k, v in theirs.items() if k != "comment"}
        if "errnoRet" in expected:
            expected["errnoRet"] = str(expected["errnoRet"])
        if ours != expected:
            return f"entry {ours} differs from the OCI profile's {expected}"
    # The approximations: the OCI profile's, in order, plus only the note about the default
    # errno the resource cannot carry.
    comment = oci["comment"]
    marker = "approximations (every difference from the library's filter):"
    notes = comment[comment.index(marker) + 1:] if marker in comment else []
    listed = meta["annotations"]["seccomp-scopes/approximations"].split("\n")
    extra = [n for n in listed if n.startswith("note: defaultErrnoRet:")]
    if [n for n in listed if n not in extra] != notes:
        return f"approximations {listed} vs the OCI profile's {notes}"
    if bool(extra) != ("defaultErrnoRet" in oci):
        return "the default errno note must appear exactly when the OCI profile sets defaultErrnoRet"
    return None


def main():
    with open(sys.argv[1]) as f:
        text = f.read()
    with open(sys.argv[2]) as f:
        oci = json.load(f)
    docs = list(yaml.safe_load_all(text))
    if len(docs) != 1:
        print(f"{len(docs)} YAML documents")
        sys.exit(1)
    found = problem(docs[0], oci, sys.argv[3])
    if found is None:
        # Every approximation is also readable as a comment above the resource.
        for line in docs[0]["metadata"]["annotations"]["seccomp-scopes/approximations"].split("\n"):
            if f"# {line}\n" not in text:
                found = f"approximation not in the comments: {line}"
                break
    if found:
        print(found)
        sys.exit(1)
    print("ok")


main()
