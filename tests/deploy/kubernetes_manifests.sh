#!/usr/bin/env bash
# deploy/kubernetes/ checked as files: usage kubernetes_manifests.sh SOURCE_DIR
#
# What podman kube play (kubernetes_play.sh) cannot show, because podman ignores the field or
# the kind (runAsNonRoot, seccompProfile, readinessProbe, terminationGracePeriodSeconds,
# preStop, affinity, Service, PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy), is
# checked here instead, by kubernetes_check.py: every manifest against the Kubernetes API's
# schema (Debian's python3-kubernetes models) and against the rules this project relies on.
#
#   generated     configmap.yaml and the pods' checksum/config are exactly what generate.sh
#                 makes of config/hellod.conf: the two cannot drift
#   valid         every manifest passes the schema and the rules
#   can fail      planted mistakes (a misspelt field, a wrong type, a missing required field,
#                 each hardening field, a short grace period, a small memory limit, a wrong
#                 selector or port name, a file kustomization.yaml does not list) are each
#                 rejected with their own sentence
#   rolls         a changed setting changes the pod template (its checksum) and nothing else
#                 of the Deployment, so applying it rolls the pods
#   refuses       generate.sh stops, naming the line, on a config it cannot adapt
#
# Prints "ok - ..." or "FAIL - ...: why" per check and "N passed, N failed"; exits 1 when a
# check failed, 77 (skipped) without python3-kubernetes.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2317  # functions run through step look unreachable
set -u -o pipefail

if (($# != 1)); then
    echo "usage: $0 SOURCE_DIR" >&2
    exit 2
fi
SOURCE_DIR=$(realpath -- "$1") || exit 2
export LC_ALL=C
# Debian's python, which has python3-kubernetes (not a python earlier in PATH).
CHECK=(/usr/bin/python3 "$SOURCE_DIR/tests/deploy/kubernetes_check.py")
"${CHECK[@]}" ready || exit # 77, skipped, with the reason, without python3-kubernetes

T_START=$SECONDS
TMP=$(mktemp -d) || exit 2
trap 'rm -rf -- "$TMP"' EXIT
# shellcheck source=../containers/checks.sh
source "$SOURCE_DIR/tests/containers/checks.sh"

MANIFESTS=$SOURCE_DIR/deploy/kubernetes

# A copy of the manifests to change: scratch NAME prints its directory.
scratch() {
    rm -rf -- "${TMP:?}/$1"
    cp -r -- "$MANIFESTS" "$TMP/$1" && echo "$TMP/$1"
}

generated() {
    local out
    out=$(scratch generated) || return 1
    "$MANIFESTS/generate.sh" "$SOURCE_DIR/config/hellod.conf" "$out" || return 1
    diff -u "$MANIFESTS/configmap.yaml" "$out/configmap.yaml" &&
        diff -u "$MANIFESTS/deployment.yaml" "$out/deployment.yaml" && return 0
    echo "deploy/kubernetes is not what generate.sh makes of config/hellod.conf: run it"
    return 1
}

valid() { "${CHECK[@]}" check "$MANIFESTS"; }

# rejected FILE SED-EXPR WANT: the checker must fail on FILE changed by SED-EXPR, saying WANT.
rejected() {
    local file=$1 expr=$2 want=$3 dir out
    dir=$(scratch mutant) || return 1
    sed -i -e "$expr" "$dir/$file"
    if cmp -s "$dir/$file" "$MANIFESTS/$file"; then
        echo "'$expr' changed nothing in $file"
        return 1
    fi
    out=$("${CHECK[@]}" check "$dir") && {
        echo "accepted $file with '$expr'"
        return 1
    }
    grep -qF -- "$want" <<<"$out" && return 0
    echo "$file with '$expr': wanted '$want', got: $out"
    return 1
}

# shellcheck disable=SC2016  # the backquotes in one message are the checker's
can_fail() {
    local d=deployment.yaml
    rejected "$d" 's/^  replicas: 3/  replica: 3/' "V1DeploymentSpec has no field 'replica'" &&
        rejected "$d" 's/containerPort: 9100/containerPort: "9100"/' 'containerPort: int expected' &&
        rejected "$d" 's/^        - name: hellod$/        - image: x/' 'Invalid value for `name`, must not be `None`' &&
        rejected "$d" 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/' "no field 'readOnlyRootFileSystem'" &&
        rejected "$d" 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' 'readOnlyRootFilesystem must be true' &&
        rejected "$d" '0,/runAsNonRoot: true/s//runAsNonRoot: false/' 'pod: runAsNonRoot must be true' &&
        rejected "$d" 's/runAsUser: 10001/runAsUser: 0/' 'runAsUser must be 10001' &&
        rejected "$d" 's/allowPrivilegeEscalation: false/allowPrivilegeEscalation: true/' 'allowPrivilegeEscalation' &&
        rejected "$d" 's/drop: \["ALL"\]/drop: ["NET_RAW"]/' 'capabilities: drop ALL' &&
        rejected "$d" 's/type: RuntimeDefault/type: Unconfined/' 'seccompProfile RuntimeDefault' &&
        rejected "$d" 's/terminationGracePeriodSeconds: 20/terminationGracePeriodSeconds: 10/' 'must exceed 12 s' &&
        rejected "$d" 's/memory: 192Mi/memory: 128Mi/' 'limits.memory 128Mi is below' &&
        rejected "$d" 's/"--probe"/"--help"/' 'readinessProbe: exec hellod --probe' &&
        rejected "$d" 's/prometheus.io\/scrape: "true"/prometheus.io\/scrape: "false"/' 'prometheus.io/scrape' &&
        rejected "$d" 's/kubernetes.io\/hostname/topology.kubernetes.io\/zone/' 'pod anti-affinity' &&
        rejected "$d" 's/checksum\/config: "sha256:[0-9a-f]*"/checksum\/config: ""/' 'checksum/config' &&
        rejected configmap.yaml 's/^    max-connections = 4000 /    max-connections = 10000 /' 'max-connections 10000 leaves no room' &&
        rejected service.yaml 's/targetPort: metrics/targetPort: 9100/' "the Service's ports must target" &&
        rejected networkpolicy.yaml 's/metadata.name: monitoring/metadata.name: default/' 'only from the monitoring namespace' &&
        rejected horizontalpodautoscaler.yaml 's/name: cpu/name: memory/' 'HPA on CPU' &&
        rejected poddisruptionbudget.yaml 's/maxUnavailable: 1/maxUnavailable: 2/' 'at most one pod down' &&
        rejected kustomization.yaml '/- networkpolicy.yaml/d' 'kustomization.yaml lists'
}

rolls() {
    local out conf
    out=$(scratch rolled) || return 1
    conf=$TMP/changed.conf
    sed -e 's/^# welcome = Welcome!$/welcome = Hi from the new config!/' \
        "$SOURCE_DIR/config/hellod.conf" >"$conf"
    "$MANIFESTS/generate.sh" "$conf" "$out" || return 1
    grep -qx '    welcome = Hi from the new config!' "$out/configmap.yaml" || {
        echo "the ConfigMap does not have the new welcome"
        return 1
    }
    local changes
    # diff exits 1 when the files differ, which is the point here.
    changes=$(diff "$MANIFESTS/deployment.yaml" "$out/deployment.yaml" | grep '^[<>]')
    [[ $(grep -c . <<<"$changes") == 2 ]] &&
        grep -qE '^> +checksum/config: "sha256:[0-9a-f]{64}"$' <<<"$changes" && return 0
    echo "the Deployment should differ in its checksum/config line only:"
    diff "$MANIFESTS/deployment.yaml" "$out/deployment.yaml"
    return 1
}

refuses() {
    local out err
    out=$(scratch refused) || return 1
    sed -e 's/^listen = 127.0.0.1:9999$/listen = 127.0.0.1:7/' "$SOURCE_DIR/config/hellod.conf" >"$TMP/odd.conf"
    if "$MANIFESTS/generate.sh" "$TMP/odd.conf" "$out" 2>"$TMP/err"; then
        echo "generate.sh accepted a config without 'listen = 127.0.0.1:9999'"
        return 1
    fi
    err=$(<"$TMP/err")
    [[ $err == *"no longer has the line this edits into: listen = *:9999"* ]] && return 0
    echo "unexpected message: $err"
    return 1
}

step "generated: configmap.yaml and checksum/config are what generate.sh makes of config/hellod.conf" generated
step "valid: every manifest passes the Kubernetes API schema and the project's rules" valid
step "can fail: 22 planted mistakes are each rejected with their own sentence" can_fail
step "rolls: a changed setting changes only the pod template's checksum/config" rolls
step "refuses: generate.sh names the line it cannot adapt" refuses
finish
