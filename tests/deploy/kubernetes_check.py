#!/usr/bin/python3
"""Checks deploy/kubernetes/ against Kubernetes' API schema and the rules hellod relies on.

    kubernetes_check.py ready                exit 0, or 77 (a skip) without python3-kubernetes
    kubernetes_check.py check DIR            every manifest; prints one line per finding
    kubernetes_check.py play DIR IMAGE       the stream `podman kube play` runs (see below)
    kubernetes_check.py get DIR PATH         one value, a list's items a line each, e.g.
                                             deployment.spec.template.spec.containers.0.image;
                                             `config`: the ConfigMap's settings, "key = value"

The schema is the API's own, from Debian's python3-kubernetes (the official client, whose
models are generated from Kubernetes' OpenAPI spec): each field must exist where it is written
and have the type the API gives it, and what the API requires must be there. So a misspelt or
misplaced field, which kubectl would reject (or, worse, a lenient apply would drop), fails
here. The client in Debian knows the API of Kubernetes 1.22: autoscaling/v2 is checked against
its identical predecessor autoscaling/v2beta2.

The rules are what podman cannot show because it ignores the field (runAsNonRoot, seccomp,
readiness probes, the grace period, anti-affinity, Services, budgets, autoscalers, network
policies) and what ties the files together (selectors, port names, the ConfigMap's name).

`play` prints the documents kustomization.yaml lists, in its order, with two changes, the ones
kustomize's `images:` and `replicas:` make: the image (the test's own build) and one replica.
podman 4.3 publishes every containerPort on the host, so a second replica on one machine could
only fail on the port the first holds; a cluster spreads them over nodes instead.
"""
import os
import re
import sys

try:
    import kubernetes.client as api
    import yaml
except ImportError:  # the tests report themselves skipped, with the reason
    print("skipped: python3-kubernetes is not installed (apt-get install python3-kubernetes)")
    sys.exit(77)

# (apiVersion, kind) -> the client's model; the API version each manifest must use.
MODELS = {
    ("v1", "ConfigMap"): api.V1ConfigMap,
    ("v1", "Service"): api.V1Service,
    ("apps/v1", "Deployment"): api.V1Deployment,
    ("policy/v1", "PodDisruptionBudget"): api.V1PodDisruptionBudget,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): api.V2beta2HorizontalPodAutoscaler,
    ("networking.k8s.io/v1", "NetworkPolicy"): api.V1NetworkPolicy,
}
PRIMITIVE = {"str": str, "int": int, "bool": bool, "float": (int, float)}

# What the daemon needs of its pods (docs/deployment.md, "On Kubernetes").
GREETING_PORT = 9999
METRICS_PORT = 9100
IMAGE_UID = 10001  # the Dockerfile's USER
PIDS_LIMIT = 4096  # the podPidsLimit the Deployment is sized for
THREADS_BESIDES_SESSIONS = 8  # main, metrics, log, a probe's process: hellod uses 3
LINGER_SECONDS = 2  # the lingering close after shutdown-timeout
KIB_PER_SESSION = 42.1  # hellod's own budget at max-line-bytes 1024 (its start-up warning)
BASE_MIB = 7  # an idle pod's RSS, measured
MONITORING_NAMESPACE = "monitoring"


def load(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def schema(value, type_name, where, problems):
    """Walks VALUE against the client's type TYPE_NAME, noting every mismatch."""
    if value is None:
        return
    if type_name.startswith("list["):
        if not isinstance(value, list):
            problems.append(f"{where}: a list expected, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            schema(item, type_name[5:-1], f"{where}[{i}]", problems)
    elif type_name.startswith("dict("):
        if not isinstance(value, dict):
            problems.append(f"{where}: a map expected, got {type(value).__name__}")
            return
        inner = type_name[5:-1].split(", ", 1)[1]
        for key, item in value.items():
            schema(item, inner, f"{where}.{key}", problems)
    elif type_name == "object":  # IntOrString and quantities
        if not isinstance(value, (str, int, float)):
            problems.append(f"{where}: a number or string expected")
    elif type_name in PRIMITIVE:
        ok = isinstance(value, PRIMITIVE[type_name]) and not (
            type_name != "bool" and isinstance(value, bool))
        if not ok:
            problems.append(f"{where}: {type_name} expected, got {value!r}")
    else:
        model = getattr(api, type_name)
        if not isinstance(value, dict):
            problems.append(f"{where}: an object ({type_name}) expected")
            return
        fields = {json: attr for attr, json in model.attribute_map.items()}
        for key, item in value.items():
            if key not in fields:
                problems.append(f"{where}: {type_name} has no field '{key}'")
            else:
                schema(item, model.openapi_types[fields[key]], f"{where}.{key}", problems)
        try:  # the models' constructors refuse a missing required field
            model(**{fields[k]: v for k, v in value.items() if k in fields})
        except ValueError as e:
            problems.append(f"{where}: {e}")


class Manifests:
    def __init__(self, directory):
        self.dir = directory
        kust = load(os.path.join(directory, "kustomization.yaml"))[0]
        self.kustomization = kust
        self.files = list(kust.get("resources", []))
        self.docs = []  # (file, document)
        for name in self.files:
            for doc in load(os.path.join(directory, name)):
                self.docs.append((name, doc))

    def one(self, kind):
        found = [d for _, d in self.docs if d.get("kind") == kind]
        if len(found) != 1:
            raise SystemExit(f"expected one {kind}, found {len(found)}")
        return found[0]

    def config(self):
        """The ConfigMap's hellod.conf as {key: value} for the lines that set something."""
        text = self.one("ConfigMap")["data"]["hellod.conf"]
        settings = {}
        for line in text.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and line[0] not in "#;" and "=" in line:
                key, value = (s.strip() for s in line.split("=", 1))
                settings[key] = value
        return settings


def dig(doc, path):
    for part in path.split("."):
        if isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def quantity_mib(q):
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", str(q))
    return int(m.group(1)) * units[m.group(2)] if m else None


def rules(m, problems):
    def need(ok, what):
        if not ok:
            problems.append(what)

    listed = set(m.files)
    present = {f for f in os.listdir(m.dir) if f.endswith(".yaml") and f != "kustomization.yaml"}
    if listed != present:
        problems.append(f"kustomization.yaml lists {sorted(listed)}, the directory has {sorted(present)}")
        return

    conf = m.config()
    dep = m.one("Deployment")
    pod = dep["spec"]["template"]
    spec = pod["spec"]
    labels = pod["metadata"].get("labels", {})
    need(dep["spec"].get("replicas") == 3, "the Deployment must run 3 replicas")
    need(dep["spec"]["selector"].get("matchLabels", {}).items() <= labels.items(),
         "the Deployment's selector must match its pods' labels")
    (c,) = spec["containers"]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    need(ports == {"greeting": GREETING_PORT, "metrics": METRICS_PORT},
         f"the container's ports must be greeting {GREETING_PORT} and metrics {METRICS_PORT}: {ports}")
    need(all("hostPort" not in p for p in c.get("ports", [])), "no hostPort: the Service routes")
    need(conf.get("listen") == f"*:{GREETING_PORT}", "the ConfigMap must listen on *:9999")
    need(conf.get("metrics-listen") == f"*:{METRICS_PORT}", "the ConfigMap must set metrics-listen *:9100")

    # Hardening: the pod's and the container's security contexts.
    psc, csc = spec.get("securityContext", {}), c.get("securityContext", {})
    for sc, where in ((psc, "pod"), (csc, "container")):
        need(sc.get("runAsNonRoot") is True, f"{where}: runAsNonRoot must be true")
        need(sc.get("runAsUser") == IMAGE_UID, f"{where}: runAsUser must be {IMAGE_UID} (numeric)")
        need(sc.get("runAsGroup") == IMAGE_UID, f"{where}: runAsGroup must be {IMAGE_UID}")
        need(dig(sc, "seccompProfile.type") == "RuntimeDefault", f"{where}: seccompProfile RuntimeDefault")
    need(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem must be true")
    need(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation must be false")
    need(dig(csc, "capabilities.drop") == ["ALL"] and not dig(csc, "capabilities.add"),
         "capabilities: drop ALL, add none")
    need(spec.get("automountServiceAccountToken") is False, "automountServiceAccountToken: false")

    # Capacity: threads under the pids limit, memory for every session at its worst.
    max_conn = int(conf.get("max-connections", "10000"))
    need(max_conn + THREADS_BESIDES_SESSIONS <= PIDS_LIMIT,
         f"max-connections {max_conn} leaves no room below a pids limit of {PIDS_LIMIT}")
    res = c.get("resources", {})
    for kind in ("requests", "limits"):
        need(set(res.get(kind, {})) == {"cpu", "memory"}, f"resources.{kind}: cpu and memory")
    limit = quantity_mib(dig(res, "limits.memory"))
    request = quantity_mib(dig(res, "requests.memory"))
    worst = BASE_MIB + max_conn * KIB_PER_SESSION / 1024
    need(limit is not None and limit >= worst,
         f"limits.memory {dig(res, 'limits.memory')} is below {worst:.0f} MiB "
         f"(the base {BASE_MIB} MiB + {max_conn} sessions x {KIB_PER_SESSION} KiB)")
    need(request is not None and limit is not None and request <= limit, "requests.memory above the limit")

    # Probes: hellod's own, each bounded above its 5 s probe timeout.
    for probe in ("readinessProbe", "livenessProbe"):
        p = c.get(probe, {})
        need(dig(p, "exec.command") == ["/usr/sbin/hellod", "--probe"], f"{probe}: exec hellod --probe")
        need(p.get("timeoutSeconds", 1) > 5, f"{probe}: timeoutSeconds above --probe-timeout (5 s)")

    # Shutdown: SIGKILL only after preStop, shutdown-timeout and the lingering close.
    grace = spec.get("terminationGracePeriodSeconds", 30)
    pre_stop = dig(c, "lifecycle.preStop.exec.command") or []
    pre_stop_s = int(pre_stop[1]) if pre_stop[:1] == ["/bin/sleep"] else 0
    drain = pre_stop_s + float(conf.get("shutdown-timeout", "5")) + LINGER_SECONDS
    need(grace > drain, f"terminationGracePeriodSeconds {grace} must exceed {drain:g} s "
         "(preStop + shutdown-timeout + the lingering close)")

    # Config changes roll the pods: the template carries the ConfigMap's checksum.
    need(re.fullmatch(r"sha256:[0-9a-f]{64}", pod["metadata"].get("annotations", {}).get("checksum/config", "")),
         "the pod template needs annotation checksum/config (generate.sh stamps it)")
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = {vm["mountPath"]: vm["name"] for vm in c.get("volumeMounts", [])}
    need(dig(vols.get(mounts.get("/etc/hellod"), {}), "configMap.name") == m.one("ConfigMap")["metadata"]["name"],
         "the ConfigMap must be mounted at /etc/hellod (the image's HELLOD_CONFIG)")

    ann = pod["metadata"].get("annotations", {})
    need(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == str(METRICS_PORT),
         "prometheus.io/scrape and prometheus.io/port annotations on the pods")
    anti = dig(spec, "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution") or []
    need(any(dig(t, "podAffinityTerm.topologyKey") == "kubernetes.io/hostname"
             and dig(t, "podAffinityTerm.labelSelector.matchLabels") == dep["spec"]["selector"]["matchLabels"]
             for t in anti), "pod anti-affinity over kubernetes.io/hostname for hellod's pods")

    # The other objects point at these pods and ports.
    svc = m.one("Service")
    need(svc["spec"].get("selector", {}).items() <= labels.items() and svc["spec"].get("selector"),
         "the Service's selector must match the pods")
    sports = {p["name"]: p.get("targetPort") for p in svc["spec"]["ports"]}
    need(sports == {"greeting": "greeting", "metrics": "metrics"},
         f"the Service's ports must target the named container ports: {sports}")
    pdb = m.one("PodDisruptionBudget")
    need(dig(pdb, "spec.selector.matchLabels") == dep["spec"]["selector"]["matchLabels"], "PDB selector")
    need(dig(pdb, "spec.maxUnavailable") == 1, "PDB: at most one pod down at a time")
    hpa = m.one("HorizontalPodAutoscaler")
    need(dig(hpa, "spec.scaleTargetRef") == {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": dep["metadata"]["name"]}, "HPA target")
    need(dig(hpa, "spec.minReplicas") == dep["spec"]["replicas"], "HPA minReplicas = the Deployment's replicas")
    need([dig(x, "resource.name") for x in dig(hpa, "spec.metrics") or []] == ["cpu"], "HPA on CPU")
    pol = m.one("NetworkPolicy")
    need(dig(pol, "spec.podSelector.matchLabels") == dep["spec"]["selector"]["matchLabels"], "NetworkPolicy selector")
    metrics_from = [r.get("from") for r in dig(pol, "spec.ingress") or []
                    if any(p.get("port") in ("metrics", METRICS_PORT) for p in r.get("ports", []))]
    need(metrics_from == [[{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": MONITORING_NAMESPACE}}}]],
         f"the metrics port only from the {MONITORING_NAMESPACE} namespace: {metrics_from}")
    need(all(p.get("port") in ("greeting", "metrics") for r in dig(pol, "spec.ingress") or []
             for p in r.get("ports", [])) and all(r.get("ports") for r in dig(pol, "spec.ingress") or []),
         "ingress only to the greeting and metrics ports")


def check(directory):
    m = Manifests(directory)
    problems = []
    for name, doc in m.docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key not in MODELS:
            problems.append(f"{name}: {key[0]} {key[1]} is not one of the kinds checked here")
            continue
        where = f"{name}:{key[1]}"
        model = MODELS[key]
        body = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind")}
        schema(body, model.__name__, where, problems)
    if not problems:
        rules(m, problems)
    for p in problems:
        print(p)
    print(f"{len(m.docs)} manifests in {len(m.files)} files, {len(problems)} problems")
    return 1 if problems else 0


def play(directory, image):
    m = Manifests(directory)
    docs = []
    for _, doc in m.docs:
        if doc.get("kind") == "Deployment":
            doc["spec"]["replicas"] = 1
            for c in doc["spec"]["template"]["spec"]["containers"]:
                c["image"] = image
        docs.append(doc)
    yaml.safe_dump_all(docs, sys.stdout, sort_keys=False)
    return 0


def get(directory, what):
    m = Manifests(directory)
    if what == "config":
        for key, value in m.config().items():
            print(f"{key} = {value}")
        return 0
    kind, path = what.split(".", 1)
    value = dig(m.one({"deployment": "Deployment", "service": "Service"}[kind]), path)
    if isinstance(value, list):
        print("\n".join(str(v) for v in value))
    else:
        print(value)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["ready"]:
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    if len(sys.argv) == 4 and sys.argv[1] == "play":
        sys.exit(play(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 4 and sys.argv[1] == "get":
        sys.exit(get(sys.argv[2], sys.argv[3]))
    sys.exit(__doc__)
