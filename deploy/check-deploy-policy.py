#!/usr/bin/env python3
"""What deploy/check.sh asks of the deployment files beyond their schemas: the promises of issue #8 and of the
docs/operations.md (ports, probes, drain times, scaling, persistence). Needs PyYAML.

    check-deploy-policy.py REPO_ROOT BASE_BUILD.yaml OVERLAY_BUILD.yaml

The two YAML files are `kubectl kustomize` outputs of deploy/k8s/base and deploy/k8s/overlays/example.
Prints one line per problem and exits 1 when there is any.
"""
import re
import sys
from pathlib import Path

import yaml

SERVICES = {"command": 8081, "query": 8082, "fanout": 8083, "projector": 8084}
HTTP_APIS = ("command", "query", "fanout")
QUERY_ROUTES = ("/user/initialize", "/user/update", "/chat/history")

problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


# ---------------------------------------------------------------- Dockerfile and build context


def check_image(root):
    dockerfile = (root / "deploy/docker/Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", dockerfile, re.M | re.I)
    check(len(stages) >= 2, "Dockerfile: expected a multi-stage build (build + runtime)")
    check(any("swift:" in image and "slim" not in image for image, _ in stages),
          "Dockerfile: build stage should use the official swift image")
    check("slim" in stages[-1][0], "Dockerfile: the runtime stage should be a slim image")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    check(users and not users[-1].startswith(("0", "root")), "Dockerfile: the image must run as a non-root user")
    for product in ("novyse-command", "novyse-query", "novyse-fanout", "novyse-projector", "novysectl"):
        check(product in dockerfile, f"Dockerfile: {product} is not copied into the image")
    check("libhiredis" in dockerfile, "Dockerfile: the runtime image needs libhiredis")
    # Every COPY source from the build context exists, and .dockerignore does not hide it.
    ignored = [line.strip() for line in (root / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for line in re.findall(r"^COPY\s+(?!--from)(.+)$", dockerfile, re.M):
        words = [w for w in line.split() if not w.startswith("--")]
        for source in words[:-1]:
            source = source.rstrip("/")
            check((root / source).exists(), f"Dockerfile: COPY source {source} does not exist")
            check(source not in ignored, f".dockerignore excludes {source}, which the Dockerfile copies")


# ---------------------------------------------------------------- docker compose


def check_compose(root):
    compose = yaml.safe_load((root / "deploy/docker-compose.yml").read_text())
    services = compose.get("services", {})
    for name in ("postgres", "redis", "migrate", "proxy", *SERVICES):
        check(name in services, f"compose: service {name} is missing")
    if not all(name in services for name in ("postgres", "redis", "migrate", "proxy", *SERVICES)):
        return
    check(any(str(v).endswith(":/var/lib/postgresql/data") for v in services["postgres"].get("volumes", [])),
          "compose: postgres needs a volume on /var/lib/postgresql/data")
    redis_command = " ".join(map(str, services["redis"].get("command", [])))
    check("--appendonly yes" in redis_command and "--appendfsync everysec" in redis_command,
          "compose: redis must run with --appendonly yes --appendfsync everysec")
    check(services["migrate"].get("command") == ["novysectl", "migrate"], "compose: migrate must run novysectl migrate")
    check(services["migrate"].get("restart") == "no", "compose: migrate is one-shot (restart: \"no\")")
    for name, port in SERVICES.items():
        service = services[name]
        check(service.get("command") == [f"novyse-{name}"], f"compose: {name} must run novyse-{name}")
        check("ports" not in service, f"compose: {name} must not publish a host port (it must scale)")
        check("container_name" not in service, f"compose: {name} must not fix a container name (it must scale)")
        test = " ".join(map(str, service.get("healthcheck", {}).get("test", [])))
        check(f":{port}/health/ready" in test, f"compose: {name}'s healthcheck must probe :{port}/health/ready")
        depends = service.get("depends_on", {})
        check(isinstance(depends, dict)
              and depends.get("migrate", {}).get("condition") == "service_completed_successfully"
              and depends.get("postgres", {}).get("condition") == "service_healthy"
              and depends.get("redis", {}).get("condition") == "service_healthy",
              f"compose: {name} must wait for postgres and redis (healthy) and migrate (completed)")
        check("stop_grace_period" in service, f"compose: {name} needs a stop_grace_period for its drain")
    published = " ".join(map(str, services["proxy"].get("ports", [])))
    for port in (8080, *SERVICES.values()):
        check(f":{port}" in published, f"compose: the proxy must publish port {port}")
    haproxy = (root / "deploy/docker/haproxy.cfg").read_text()
    for name, port in SERVICES.items():
        check(re.search(rf"server-template\s+\S+\s+\S+\s+{name}:{port}\b", haproxy) is not None,
              f"haproxy.cfg: no server-template for {name}:{port}")
    fanout = haproxy.split("\nbackend fanout", 1)[-1].split("\nbackend ", 1)[0]
    check("cookie " in fanout and "balance source" in fanout, "haproxy.cfg: the fanout backend must be sticky")
    check("path_beg /socket.io" in haproxy, "haproxy.cfg: /socket.io must route to fanout")
    for route in QUERY_ROUTES:
        check(route in haproxy, f"haproxy.cfg: {route} must route to query")


# ---------------------------------------------------------------- Kubernetes


def load(path):
    return [doc for doc in yaml.safe_load_all(Path(path).read_text()) if doc]


def by_kind(docs, kind):
    return {doc["metadata"]["name"]: doc for doc in docs if doc.get("kind") == kind}


def probe_path(container, probe):
    return container.get(probe, {}).get("httpGet", {}).get("path")


def check_kubernetes(docs, label, complete):
    deployments = by_kind(docs, "Deployment")
    services = by_kind(docs, "Service")
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    pdbs = by_kind(docs, "PodDisruptionBudget")
    jobs = by_kind(docs, "Job")
    ingresses = by_kind(docs, "Ingress")
    configmaps = set(by_kind(docs, "ConfigMap"))
    secrets = set(by_kind(docs, "Secret"))

    def fail(message):
        problems.append(f"{label}: {message}")

    for name, port in SERVICES.items():
        full = f"novyse-{name}"
        deployment = deployments.get(full)
        if deployment is None:
            fail(f"Deployment {full} is missing")
            continue
        pod = deployment["spec"]["template"]["spec"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        container = pod["containers"][0]
        if container.get("command") != [full]:
            fail(f"{full} must run {full}")
        if probe_path(container, "livenessProbe") != "/health/live":
            fail(f"{full}: livenessProbe must GET /health/live")
        if probe_path(container, "readinessProbe") != "/health/ready":
            fail(f"{full}: readinessProbe must GET /health/ready")
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(resources.get(kind, {})):
                fail(f"{full}: resources.{kind} needs cpu and memory")
        # Service links would set NOVYSE_COMMAND_PORT=tcp://… (the Service novyse-command), which the services
        # read as their port setting and refuse.
        if pod.get("enableServiceLinks") is not False:
            fail(f"{full}: enableServiceLinks must be false (NOVYSE_*_PORT clashes)")
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            fail(f"{full}: must run as non-root")
        grace = pod.get("terminationGracePeriodSeconds")
        if not isinstance(grace, int) or grace < 10:
            fail(f"{full}: terminationGracePeriodSeconds must cover the drain (>= 10 s)")
        if name in HTTP_APIS and not container.get("lifecycle", {}).get("preStop"):
            fail(f"{full}: needs a preStop pause so endpoints are removed before the server stops")
        if [p.get("containerPort") for p in container.get("ports", [])] != [port]:
            fail(f"{full}: container port must be {port}")
        if complete:
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef")
                if ref["name"] not in configmaps | secrets:
                    fail(f"{full}: envFrom references {ref['name']}, which the build does not contain")
        # A Service selecting the pods, on the same port.
        service = services.get(full)
        if service is None:
            fail(f"Service {full} is missing")
        else:
            selector = service["spec"].get("selector", {})
            if not selector or any(labels.get(k) != v for k, v in selector.items()):
                fail(f"Service {full} does not select the Deployment's pods")
            if [p.get("port") for p in service["spec"]["ports"]] != [port]:
                fail(f"Service {full} must expose port {port}")
        # Autoscaling: an HPA for the HTTP services, fixed replicas for the projector.
        if name in HTTP_APIS:
            hpa = hpas.get(full)
            if hpa is None or hpa["spec"]["scaleTargetRef"].get("name") != full:
                fail(f"HorizontalPodAutoscaler for {full} is missing")
            elif hpa["spec"].get("minReplicas", 1) < 2:
                fail(f"HPA {full}: minReplicas should be at least 2")
        elif deployment["spec"].get("replicas", 1) < 2:
            fail(f"{full}: run several projector replicas (they share the partitions)")
        pdb = pdbs.get(full)
        if pdb is None or any(labels.get(k) != v for k, v in pdb["spec"]["selector"]["matchLabels"].items()):
            fail(f"PodDisruptionBudget for {full} is missing or selects nothing")

    job = jobs.get("novyse-migrate")
    if job is None or job["spec"]["template"]["spec"]["containers"][0].get("command") != ["novysectl", "migrate"]:
        fail("the migration Job novyse-migrate (novysectl migrate) is missing")

    routes = {}
    for ingress in ingresses.values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                routes[path["path"]] = (path["backend"]["service"]["name"], ingress)
    for path, (service_name, _) in routes.items():
        if service_name not in services:
            fail(f"Ingress path {path} points to a missing Service {service_name}")
    for route in QUERY_ROUTES:
        if routes.get(route, ("",))[0] != "novyse-query":
            fail(f"Ingress: {route} must route to novyse-query")
    if routes.get("/", ("",))[0] != "novyse-command":
        fail("Ingress: / must route to novyse-command")
    socketio = routes.get("/socket.io")
    if socketio is None or socketio[0] != "novyse-fanout":
        fail("Ingress: /socket.io must route to novyse-fanout")
    else:
        annotations = socketio[1]["metadata"].get("annotations", {})
        if annotations.get("nginx.ingress.kubernetes.io/affinity") != "cookie":
            fail("Ingress: /socket.io needs cookie session affinity")
        if int(annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout", "0")) < 60:
            fail("Ingress: /socket.io needs a proxy-read-timeout of at least 60 s for WebSockets")

    if complete:
        if not any(name.startswith("novyse-config") for name in configmaps):
            fail("the ConfigMap novyse-config is missing")
        if not any(name.startswith("novyse-secrets") for name in secrets):
            fail("the Secret novyse-secrets is missing")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(sys.argv[1])
    check_image(root)
    check_compose(root)
    check_kubernetes(load(sys.argv[2]), "k8s base", complete=False)
    check_kubernetes(load(sys.argv[3]), "k8s overlay example", complete=True)
    for problem in problems:
        print(f"policy: {problem}")
    if problems:
        return 1
    print("policy: image, compose, proxy and Kubernetes manifests keep the deployment's promises")
    return 0


if __name__ == "__main__":
    sys.exit(main())
