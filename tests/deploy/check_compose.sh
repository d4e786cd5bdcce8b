#!/usr/bin/env bash
# tests/deploy/check_compose.sh SOURCE_DIR checks the production deployment in SOURCE_DIR/deploy
# without a Docker engine (ctest deploy_compose, label integration):
#   - `docker-compose config` accepts docker-compose.yml, with the defaults and with
#     .env.example, and every secret it names has a file (dummies made here, in a temporary
#     directory: secrets never appear in the repository);
#   - nothing secret is in the compose file: no PASSWORD= value, no literal password variable;
#   - published ports are bound to an address (127.0.0.1 by default), never to all interfaces;
#   - every service has a restart policy, and every long-running one a healthcheck;
#   - `promtool check config` accepts prometheus/prometheus.yml, which scrapes ingest with a
#     bearer token file;
#   - Grafana loads resources/grafana/tickscope.json from the folder its provider reads, and the
#     dashboard's data source variable asks for the type of the provisioned default data source.
# (That the dashboard's queries name only metrics Tickscope serves is tests/integration's
# test_metrics.)
set -euo pipefail

source_dir=$(cd "${1:?usage: check_compose.sh SOURCE_DIR}" && pwd -P)
deploy=$source_dir/deploy
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

work=$(mktemp -d "${TMPDIR:-/tmp}/tickscope-compose.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A copy of deploy/ with dummy secrets; ../resources is reached through a link, as from deploy/.
cp -a "$deploy" "$work/deploy"
rm -f "$work/deploy/.env"
ln -s "$source_dir/resources" "$work/resources"
ln -s "$source_dir/scripts" "$work/scripts"
secret_names=$(sed -n '/^secrets:/,/^[a-z]/{s/^  \([a-z_]*\):$/\1/p}' "$deploy/docker-compose.yml")
[[ -n $secret_names ]] || fail "docker-compose.yml declares no secrets"
for name in $secret_names; do
    printf 'dummy-%s\n' "$name" >"$work/deploy/secrets/$name"
    grep -q "\`$name\`" "$deploy/secrets/README.md" ||
        fail "secrets/README.md does not say how to create $name"
done

compose() {
    (cd "$work/deploy" && docker-compose -f docker-compose.yml "$@")
}

echo "== docker-compose config (defaults)"
compose config -q || fail "docker-compose config refused docker-compose.yml"
echo "== docker-compose config (.env.example)"
compose --env-file .env.example config -q || fail "docker-compose config refused it with .env.example"
compose config --format json >"$work/config.json" || fail "docker-compose config --format json"

echo "== secrets, ports, restart policies, healthchecks"
if grep -nE '(PASSWORD|TOKEN|SECRET)[A-Z_]*:[[:space:]]*[^/[:space:]]' "$deploy/docker-compose.yml" |
    grep -vE '_FILE:|PASSFILE_LOGINS:'; then
    fail "docker-compose.yml holds a password or token value; use a secret file"
fi
python3 - "$work/config.json" <<'PY' || fail "service checks (above)"
import json, sys

config = json.load(open(sys.argv[1]))
problems = []
one_shot = {"migrate"}
for name, service in config["services"].items():
    if not service.get("restart"):
        problems.append(f"{name}: no restart policy")
    if name not in one_shot and not service.get("healthcheck", {}).get("test"):
        problems.append(f"{name}: no healthcheck")
    for port in service.get("ports", []):
        if port.get("host_ip") in (None, "", "0.0.0.0", "::"):
            problems.append(f"{name}: port {port.get('published')} published on all interfaces")
        elif port.get("host_ip") != "127.0.0.1":
            problems.append(f"{name}: port bound to {port['host_ip']} by default, not 127.0.0.1")
    for key, value in (service.get("environment") or {}).items():
        if ("PASSWORD" in key or "TOKEN" in key) and not key.endswith("_FILE"):
            problems.append(f"{name}: {key} set in the environment; use a secret file")
for problem in problems:
    print("  " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

echo "== logins: the query API reads with a login of its own that cannot write"
python3 - "$work/config.json" "$deploy/tickscope.toml" "$deploy/postgres/init-primary.sh" <<'PY' ||
import json, re, sys, tomllib

config, toml_path, init_path = sys.argv[1:]
database = tomllib.load(open(toml_path, "rb"))["database"]
init = open(init_path).read()
problems = []

def login(conninfo):
    found = re.search(r"\buser=(\S+)", conninfo)
    return found.group(1) if found else None

writer, reader = login(database["conninfo"]), login(database.get("reader_conninfo", ""))
if not reader:
    problems.append("tickscope.toml names no [database] reader_conninfo login")
elif reader == writer:
    problems.append(f"the query API reads as the ingest login {writer}")
else:
    made = re.search(rf"CREATE ROLE {reader}\b[^;]*;", init)
    if not made:
        problems.append(f"init-primary.sh does not create {reader}")
    elif re.findall(r"IN ROLE ([\w, ]+)", made.group(0)) != ["tickscope_reader"]:
        problems.append(f"{reader} is not a member of tickscope_reader alone: {made.group(0)}")
    logins = json.load(open(config))["services"]["ingest"]["environment"].get(
        "TICKSCOPE_PASSFILE_LOGINS", "")
    if f"{reader}=" not in logins:
        problems.append(f"ingest's passfile has no password for {reader}")
if not re.search(r"1i local all tickscope_admin reject", init):
    problems.append("pg_hba.conf does not refuse logins as tickscope_admin")
for problem in problems:
    print("  " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
    fail "login checks (above)"

echo "== promtool check config"
# promtool checks that credentials files exist: point them at the dummies.
sed "s|/run/secrets/|$work/deploy/secrets/|" "$deploy/prometheus/prometheus.yml" >"$work/prometheus.yml"
promtool check config "$work/prometheus.yml" || fail "promtool refused prometheus/prometheus.yml"
grep -q 'credentials_file: /run/secrets/tickscope_api_token' "$deploy/prometheus/prometheus.yml" ||
    fail "prometheus.yml does not scrape ingest with the tickscope_api_token secret"

echo "== Grafana provisioning"
python3 - "$work/config.json" "$deploy/grafana/provisioning" "$source_dir/resources/grafana/tickscope.json" <<'PY' ||
import json, os, re, sys

config, provisioning, dashboard_path = sys.argv[1], sys.argv[2], sys.argv[3]
grafana = json.load(open(config))["services"]["grafana"]
problems = []

def values(path, key):
    text = open(path).read()
    return re.findall(rf"^\s*-?\s*{key}:\s*(\S+)\s*$", text, re.M)

provider = os.path.join(provisioning, "dashboards", "tickscope.yml")
folders = values(provider, "path")
mounted = {v["target"]: v.get("source", "") for v in grafana.get("volumes", [])}
dashboard_targets = [t for t, s in mounted.items() if s == os.path.realpath(dashboard_path)
                     or s.endswith("/resources/grafana/tickscope.json")]
if not dashboard_targets:
    problems.append("resources/grafana/tickscope.json is not mounted into grafana")
elif not any(os.path.dirname(t) in folders for t in dashboard_targets):
    problems.append(f"dashboard mounted at {dashboard_targets}, provider reads {folders}")
if not any(v.get("read_only") for v in grafana.get("volumes", [])
           if v["target"] in dashboard_targets):
    problems.append("the dashboard is not mounted read-only")

datasource_file = os.path.join(provisioning, "datasources", "prometheus.yml")
types = values(datasource_file, "type")
defaults = values(datasource_file, "isDefault")
dashboard = json.load(open(dashboard_path))
for variable in dashboard.get("templating", {}).get("list", []):
    if variable.get("type") == "datasource":
        if variable.get("query") not in types:
            problems.append(f"dashboard wants a {variable.get('query')} data source; "
                            f"provisioned: {types}")
        if "true" not in defaults:
            problems.append("the provisioned data source is not the default one")
uids = {p.get("datasource", {}).get("uid") for p in dashboard.get("panels", [])}
if uids - {"${datasource}"}:
    problems.append(f"panels name data sources other than the variable: {uids}")
if "GF_SECURITY_ADMIN_PASSWORD__FILE" not in (grafana.get("environment") or {}):
    problems.append("grafana's admin password does not come from a secret file")
for problem in problems:
    print("  " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
    fail "Grafana provisioning checks (above)"

if [[ $failures -gt 0 ]]; then
    echo "deploy_compose: $failures check(s) failed" >&2
    exit 1
fi
echo "deploy_compose: all checks passed"
