"""docker-compose.yml, infra/ and .env.example, checked without a Docker engine.

The compose file is validated against the Compose Specification with the PyPI package
`compose-spec` (Rust-backed parser and generated pydantic models of the spec's schema)
after interpolation, as `docker compose config` does: interpolate, then validate. The rest
asserts the deployment properties DESIGN §4.5/§5 and issue 2 item 8 ask for.
"""
import base64
import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import compose_spec
import pytest
import yaml

from carekit.config import SERVICE_NAMES, SettingsSchema

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "infra" / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
BACKENDS = [s for s in SERVICE_NAMES if s != "gateway"]
SCALABLE = BACKENDS                     # the gateway publishes a host port; it is not scaled
INFRA = ("rabbitmq", "mongo")
ONE_SHOT = ("rabbitmq-init", "topology")

VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}"
                      r"|\$([A-Za-z_][A-Za-z0-9_]*)")
SECRET_NAME = re.compile(r"PASS|PASSWORD|SECRET|TOKEN|(^|_)KEY$|ENCRYPTION_KEY|REPLICA_KEY")
REQUIRED_SECRET = re.compile(r"^\$\{([A-Z0-9_]+):\?[^}]+\}$")


# -- helpers -----------------------------------------------------------------------------------
class MissingVariable(Exception):
    pass


def interpolate(value, env):
    """Compose interpolation of one string: $$, ${VAR}, ${VAR:-default}, ${VAR-default},
    ${VAR:?error}, ${VAR?error}, $VAR."""
    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        op, arg = match.group(2), match.group(3)
        present = name in env
        value = env.get(name, "")
        if op in (":-", ":?"):
            unset = not value
        else:
            unset = not present
        if op and op.endswith("-"):
            return arg if unset else value
        if op and op.endswith("?"):
            if unset:
                raise MissingVariable("{}: {}".format(name, arg))
            return value
        return value
    return VARIABLE.sub(replace, value)


def interpolate_tree(node, env):
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(value, env) for value in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


def strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def compose_variables(text):
    return {m.group(1) or m.group(4) for m in VARIABLE.finditer(text) if m.group(0) != "$$"}


def read_env_file(path):
    env = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert "=" in line, "{}:{}: not KEY=value".format(path.name, number)
        key, value = line.split("=", 1)
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", key), "{}:{}: bad key".format(path.name, number)
        assert key not in env, "{}:{}: {} twice".format(path.name, number, key)
        env[key] = value
    return env


def filled_env():
    """.env.example with every empty value given a plausible dummy, as an operator would."""
    env = read_env_file(ENV_EXAMPLE)
    for key, value in env.items():
        if not value:
            env[key] = (base64.urlsafe_b64encode(b"fake-key-for-compose-validation!").decode()
                        if key == "PII_ENCRYPTION_KEY"
                        else "dummy-" + key.lower().replace("_", "-")
                        + ("-long-enough-for-a-key" if key.endswith("_KEY") else ""))
    return env


def service_env(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def literal_secrets(doc):
    """Every secret-looking setting in a parsed (not interpolated) compose document whose
    value is not a required variable: [(service, key, value)]."""
    found = []
    for name, service in (doc.get("services") or {}).items():
        for key, value in service_env(service).items():
            value = "" if value is None else str(value)
            if SECRET_NAME.search(key) and not REQUIRED_SECRET.fullmatch(value):
                found.append((name, key, value))
            for uri in re.findall(r"[a-z+]+://\S+", value):
                password = urlsplit(uri).password
                if password is not None and not REQUIRED_SECRET.fullmatch(password):
                    found.append((name, key, uri))
        for text in strings({k: v for k, v in service.items() if k != "environment"}):
            for match in VARIABLE.finditer(text):
                name_ = match.group(1) or match.group(4)
                if name_ and SECRET_NAME.search(name_) and match.group(2) != ":?":
                    found.append((name, "(variable)", match.group(0)))
            if re.search(r"(-p|--password)[ =]['\"]?[^$'\" ]", text):
                found.append((name, "(command)", text))
    return found


@pytest.fixture(scope="module")
def text():
    assert COMPOSE.exists(), "docker-compose.yml is missing"
    return COMPOSE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def raw(text):
    return yaml.safe_load(text)  # resolves anchors and << merge keys, as compose does


@pytest.fixture(scope="module")
def doc(raw):
    return interpolate_tree(raw, filled_env())


@pytest.fixture(scope="module")
def services(doc):
    return doc["services"]


# -- the Compose Specification ------------------------------------------------------------------
def test_compose_file_is_valid_compose_specification(text, doc):
    # 1. after interpolation (docker compose's order), as compose-spec reads YAML itself,
    #    anchors and merge keys included
    env = filled_env()
    interpolated_text = interpolate(text, env)
    project = compose_spec.PyOptions(apply_merge=True).from_yaml(interpolated_text)
    project._inner.validate()
    spec = project.to_spec()  # the spec's JSON-schema models (pydantic)
    assert set(spec.services) == set(doc["services"])
    # 2. the document compose would actually run (merges resolved), round-tripped
    normalized = compose_spec.PyCompose.from_yaml(yaml.safe_dump(doc, allow_unicode=True))
    normalized._inner.validate()
    normalized.to_spec()


@pytest.mark.parametrize("breakage", [
    ("restart: unless-stopped", "restart: sometimes"),
    ("condition: service_healthy", "condition: service_happy"),
    ("stop_grace_period: 30s", "stop_grace_period: forever"),
    ("    healthcheck:\n      <<: *care-healthcheck", "    helthcheck:\n      <<: *care-healthcheck"),
])
def test_the_validator_rejects_a_broken_compose_file(text, breakage):
    old, new = breakage
    assert old in text
    broken = interpolate(text.replace(old, new, 1), filled_env())
    with pytest.raises(Exception):
        compose_spec.PyOptions(apply_merge=True).from_yaml(broken).to_spec()


def test_compose_refuses_to_start_without_secrets(raw):
    for secret in ("PII_ENCRYPTION_KEY", "RABBITMQ_ADMIN_PASSWORD", "MONGO_ROOT_PASSWORD",
                   "RABBITMQ_PASSWORD_ACTIVITIES", "MONGO_PASSWORD_REGISTRY"):
        env = filled_env()
        env[secret] = ""
        with pytest.raises(MissingVariable, match=secret):
            interpolate_tree(raw, env)


def test_every_dependency_and_named_volume_is_declared(services, doc):
    volumes = set(doc.get("volumes") or {})
    for name, service in services.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, "{} depends on unknown {}".format(name, dependency)
        for mount in service.get("volumes") or []:
            source = mount.split(":", 1)[0] if isinstance(mount, str) else mount.get("source")
            if source.startswith((".", "/")):
                assert (ROOT / source).exists() or source.startswith("/"), \
                    "{} mounts missing {}".format(name, source)
            else:
                assert source in volumes, "{} uses undeclared volume {}".format(name, source)


# -- services and their commands ----------------------------------------------------------------
def _module_in_repo(module):
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, "no module {}".format(module)
    origin = Path(spec.origin).resolve()
    assert ROOT / "services" in origin.parents, "{} is not this repository's ({})".format(
        module, origin)
    return origin


def assert_service_packages_not_shadowed():
    """`python -m carekit.run NAME` imports the top-level package NAME: it must be
    services/NAME, not a same-named test package that pytest put on sys.path."""
    for name in SERVICE_NAMES:
        spec = importlib.util.find_spec(name)
        assert spec is not None, "no package {}".format(name)
        locations = [Path(p).resolve() for p in (spec.submodule_search_locations or [])]
        assert locations == [ROOT / "services" / name], (
            "package {!r} resolves to {} instead of services/{}: a tests/{}/__init__.py on "
            "sys.path shadows the service".format(name, locations, name, name))


def test_every_product_service_runs_from_the_one_image(services):
    assert set(SERVICE_NAMES) <= set(services), "services missing from compose: {}".format(
        sorted(set(SERVICE_NAMES) - set(services)))
    for name in SERVICE_NAMES:
        service = services[name]
        assert service["command"] == ["python", "-m", "carekit.run", name]
        assert service["build"]["dockerfile"] == "infra/Dockerfile"
        assert service["image"] == services["topology"]["image"]


def test_every_command_names_a_module_or_script_that_exists(services):
    import carekit.run
    assert_service_packages_not_shadowed()
    checked = 0
    for name, service in services.items():
        command = service.get("command")
        if not command or command[0] != "python":
            continue
        if command[1] == "-m":
            _module_in_repo(command[2])
            if command[2] == "carekit.run":
                target = command[3]
                assert (ROOT / "services" / target / "service.py").exists(), \
                    "{}: no services/{}/service.py".format(name, target)
                cls = carekit.run.service_class(target)
                assert cls.name == target
        else:
            script = ROOT / command[1]
            assert script.exists(), "{}: {} does not exist".format(name, command[1])
            assert command[1].startswith("infra/"), "scripts must come from infra/ (in image)"
        checked += 1
    assert checked >= len(SERVICE_NAMES) + len(ONE_SHOT)


def test_backend_services_have_healthcheck_restart_and_grace(services):
    grace_setting = SettingsSchema().fields["STOP_GRACE_SECONDS"]
    for name in SERVICE_NAMES:
        service = services[name]
        check = service.get("healthcheck")
        assert check, "{} has no healthcheck".format(name)
        assert check["test"] == ["CMD", "python", "-m", "carekit.healthcheck", name]
        _module_in_repo("carekit.healthcheck")
        for key in ("interval", "timeout", "retries", "start_period"):
            assert key in check, "{} healthcheck lacks {}".format(name, key)
        assert service["restart"] == "unless-stopped"
        grace = compose_spec.parse_duration(service["stop_grace_period"])
        inner = float(service_env(service).get("STOP_GRACE_SECONDS",
                                               grace_setting.load_default))
        assert grace > inner, "{}: compose must wait longer ({}s) than the process's own " \
                              "stop grace ({}s)".format(name, grace, inner)
        timeout = compose_spec.parse_duration(check["timeout"])
        assert timeout > float(service_env(service).get("HEALTHCHECK_TIMEOUT", 8)) + 2
        conditions = {dep: spec["condition"] for dep, spec in service["depends_on"].items()}
        assert conditions.get("rabbitmq") == "service_healthy"
        assert conditions.get("mongo") == "service_healthy"
        assert conditions.get("topology") == "service_completed_successfully"
    for name in INFRA:
        service = services[name]
        assert service.get("healthcheck", {}).get("test"), name
        assert service["restart"] == "unless-stopped"
        assert compose_spec.parse_duration(service["stop_grace_period"]) >= 30


def test_one_shot_jobs_run_in_order_and_once(services):
    init, topology = services["rabbitmq-init"], services["topology"]
    assert init["restart"] == "no" and topology["restart"] == "no"
    assert init["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    assert topology["depends_on"]["rabbitmq-init"]["condition"] == \
        "service_completed_successfully"
    assert topology["command"] == ["python", "-m", "carekit.events.topology"]
    assert urlsplit(service_env(topology)["AMQP_URI"]).username == "care-topology"
    retry = {service_env(services[s]).get("EVENT_RETRY_DELAYS_MS") for s in SERVICE_NAMES}
    assert retry == {service_env(topology)["EVENT_RETRY_DELAYS_MS"]}, \
        "topology must declare the same retry queues the services use"


def test_each_service_has_its_own_settings_and_accounts(services):
    amqp_users, mongo_users, databases = set(), set(), set()
    for name in SERVICE_NAMES:
        env = service_env(services[name])
        assert env["CARE_ENV"] == "production"
        assert env["MONGO_DATABASE"] == "care_" + name
        amqp = urlsplit(env["AMQP_URI"])
        assert amqp.scheme == "amqp" and amqp.hostname == "rabbitmq" and amqp.path == "/care"
        assert amqp.username == "care-" + name
        mongo = urlsplit(env["MONGO_URI"])
        query = parse_qs(mongo.query)
        assert mongo.hostname == "mongo" and mongo.username == name
        assert query["replicaSet"] == ["rs0"], "transactions need the replica set"
        assert query["authSource"] == [env["MONGO_DATABASE"]]
        amqp_users.add(amqp.username)
        mongo_users.add(mongo.username)
        databases.add(env["MONGO_DATABASE"])
        # the settings the process will actually load are valid
        from carekit.config import load_settings
        settings = load_settings(name, {k: str(v) for k, v in env.items()})
        assert settings["MONGO_DATABASE"] == "care_" + name
    assert len(amqp_users) == len(mongo_users) == len(databases) == len(SERVICE_NAMES)


def test_no_literal_secret_anywhere(raw, text):
    assert literal_secrets(raw) == []
    # the checker itself catches what it must
    bad = yaml.safe_load(text.replace(
        "RABBITMQ_DEFAULT_PASS: ${RABBITMQ_ADMIN_PASSWORD:?set RABBITMQ_ADMIN_PASSWORD in .env}",
        "RABBITMQ_DEFAULT_PASS: guest").replace(
        "${RABBITMQ_PASSWORD_PAIRING:?set RABBITMQ_PASSWORD_PAIRING in .env}@", "s3cret@", 1))
    flagged = {(s, k) for s, k, _ in literal_secrets(bad)}
    assert ("rabbitmq", "RABBITMQ_DEFAULT_PASS") in flagged
    assert ("pairing", "AMQP_URI") in flagged
    # secret variables never have defaults, anywhere in the file
    for match in VARIABLE.finditer(text):
        name = match.group(1) or match.group(4)
        if name and SECRET_NAME.search(name):
            assert match.group(2) == ":?", "{} must be ${{{}:?...}}".format(match.group(0), name)
    for path in [DOCKERFILE] + sorted((ROOT / "infra").rglob("*")):
        if path.is_file():
            content = path.read_text(encoding="utf-8")
            assert not re.search(r"(?im)^\s*(ENV|ARG)\s+\S*(PASS|SECRET|TOKEN|_KEY)", content), \
                path
            assert not re.search(r"(?i)(password|pwd)\s*[:=]\s*['\"][^'\"$]+['\"]", content), path


def test_scalable_services_have_no_fixed_names_or_host_ports(services):
    for name, service in services.items():
        assert "container_name" not in service, "{}: container_name blocks --scale".format(name)
    for name in SCALABLE:
        assert not services[name].get("ports"), "{}: a host port blocks --scale".format(name)
        assert "hostname" not in services[name]
        assert "deploy" not in services[name] or "replicas" not in services[name]["deploy"]
    assert services["gateway"]["ports"] == ["8000:8000"]
    assert service_env(services["gateway"])["GATEWAY_PORT"] == "8000"


def test_published_infrastructure_ports_listen_on_loopback_by_default(services):
    for name in INFRA:
        for port in services[name].get("ports") or []:
            assert port.startswith("127.0.0.1:"), "{} publishes {} to every interface".format(
                name, port)


# -- MongoDB replica set ----------------------------------------------------------------------
def test_mongo_is_a_single_node_replica_set_with_auth(services):
    mongo = services["mongo"]
    command = mongo["command"]
    assert command[command.index("--replSet") + 1] == "rs0"
    keyfile = command[command.index("--keyFile") + 1]
    entrypoint = (ROOT / "infra" / "mongo" / "entrypoint.sh").read_text()
    assert "keyfile={}".format(keyfile) in entrypoint
    assert subprocess.run(["bash", "-n", str(ROOT / "infra" / "mongo" / "entrypoint.sh")]
                          ).returncode == 0
    check = " ".join(mongo["healthcheck"]["test"])
    assert "/care-infra/healthcheck.js" in check and "$MONGO_INITDB_ROOT_PASSWORD" in check
    script = (ROOT / "infra" / "mongo" / "healthcheck.js").read_text()
    assert 'rs.initiate({ _id: "rs0", members: [{ _id: 0, host: "mongo:27017" }] })' in script
    assert "myState === 1" in script
    users = (ROOT / "infra" / "mongo" / "init-users.js").read_text()
    listed = re.search(r"const services = \[([^\]]*)\]", users).group(1)
    assert sorted(re.findall(r'"([a-z]+)"', listed)) == sorted(SERVICE_NAMES)
    env = service_env(mongo)
    for name in SERVICE_NAMES:
        assert "MONGO_PASSWORD_" + name.upper() in env
    assert '"care_" + service' in users and 'role: "readWrite"' in users


# -- RabbitMQ accounts --------------------------------------------------------------------------
def test_rabbitmq_init_gets_every_password_it_needs(services):
    spec = importlib.util.spec_from_file_location(
        "care_provision", ROOT / "infra" / "rabbitmq" / "provision.py")
    provision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(provision)
    env = service_env(services["rabbitmq-init"])
    listed = env["CARE_SERVICES"].split(",")
    assert sorted(listed) == sorted(SERVICE_NAMES)
    # bureaus' accounts are made by `python -m carekit.bureaus onboard`, not here
    assert not [k for k in env if k.startswith("RABBITMQ_PASSWORD_BUREAU_")]
    needed = (["RABBITMQ_PASSWORD_" + s.upper() for s in listed]
              + ["RABBITMQ_PASSWORD_TOPOLOGY", "RABBITMQ_ADMIN_USER", "RABBITMQ_ADMIN_PASSWORD"])
    for key in needed:
        assert key in env, "rabbitmq-init lacks {}".format(key)
    assert env["RABBITMQ_VHOST"] == service_env(services["rabbitmq"])["RABBITMQ_DEFAULT_VHOST"]
    for name in SERVICE_NAMES:
        user = urlsplit(service_env(services[name])["AMQP_URI"]).username
        assert user == provision.USER_PREFIX + name


def test_backend_services_do_not_call_each_other_by_rpc():
    """The broker only lets the gateway call other services' RPC (topic permission on
    nameko-rpc): a backend RpcProxy would be refused in deployment (DESIGN §3). Command-line
    clients run outside the service (e.g. a demo loader's ClusterRpcProxy) are not services."""
    spec = importlib.util.spec_from_file_location(
        "care_provision", ROOT / "infra" / "rabbitmq" / "provision.py")
    provision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(provision)
    dependency = re.compile(r"(?<![A-Za-z_])RpcProxy\(\"?'?([a-z_]*)")
    for name in BACKENDS:
        for path in (ROOT / "services" / name).rglob("*.py"):
            for target in dependency.findall(path.read_text(encoding="utf-8")):
                # the one grant (provision.RPC_GRANTS): notifications asks the registry for
                # contact details at send time; the broker refuses any other method
                assert (name, target) in [(s, k.split(".")[0]) for s, keys in
                                          provision.RPC_GRANTS.items() for k in keys], \
                    "{} uses RpcProxy({!r}); services talk through events".format(path, target)


# -- image --------------------------------------------------------------------------------------
def test_dockerfile_builds_one_image_with_cjk_fonts_and_pango():
    assert DOCKERFILE.exists()
    content = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"(?m)^FROM python:3\.11-slim", content)
    install = re.search(r"apt-get install[^&]*", content).group(0)
    for package in ("fonts-noto-cjk", "libpango-1.0-0", "libpangoft2-1.0-0",
                    "libharfbuzz-subset0"):
        assert re.search(r"\b{}\b".format(re.escape(package)), install), package
    assert "COPY pyproject.toml" in content and "COPY services" in content
    assert re.search(r"pip install (--no-deps )?\.", content)
    assert "COPY infra" in content, "rabbitmq-init runs infra/rabbitmq/provision.py"
    user = re.findall(r"(?m)^USER (\S+)", content)
    assert user and user[-1] not in ("root", "0"), "services must not run as root"


def test_dockerfile_dependency_step_installs_exactly_pyproject_dependencies(tmp_path):
    import tomllib
    content = DOCKERFILE.read_text(encoding="utf-8")
    snippet = re.search(r'python -c "(import tomllib;[^"]+)"', content).group(1)
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    out = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout.split()
    expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert out == [d.replace(" ", "") for d in expected]
    assert any(d.startswith("nameko==") for d in out)


PACKAGE_DATA_PROBE = """
import json, os, sys
from setuptools.dist import Distribution
dist = Distribution({"script_name": "setup.py", "script_args": ["build_py"]})
dist.parse_config_files()
build_py = dist.get_command_obj("build_py")
build_py.ensure_finalized()
print(json.dumps(sorted({os.path.normpath(os.path.join(src, name))
                         for _, src, _, names in build_py.data_files for name in names})))
"""


def test_image_install_keeps_every_runtime_data_file(tmp_path):
    """`pip install .` in the Dockerfile ships only what setuptools packages: templates and
    other non-Python files under services/ must be package data, or the image lacks them."""
    import json
    import shutil
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "services", tmp_path / "services", ignore=shutil.ignore_patterns(
        "__pycache__", "*.pyc", "*.egg-info"))
    needed = {str(path.relative_to(tmp_path)) for path in (tmp_path / "services").rglob("*")
              if path.is_file() and path.suffix not in (".py", ".md")
              and "tests" not in path.parts}
    out = subprocess.run([sys.executable, "-c", PACKAGE_DATA_PROBE], cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    packaged = set(json.loads(out.strip().splitlines()[-1]))
    missing = sorted(needed - packaged)
    assert not missing, ("not installed by `pip install .`, so missing from the image: {}; "
                         "declare them in [tool.setuptools.package-data]".format(missing))


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".git", ".venv", ".venv-nx", "**/__pycache__"):
        assert entry in ignored, entry
    assert "!.env.example" in ignored
    assert not any(entry in ("services", "infra", "pyproject.toml") for entry in ignored)


# -- .env.example -------------------------------------------------------------------------------
def test_env_example_covers_every_compose_variable_and_no_more(text):
    example = read_env_file(ENV_EXAMPLE)
    used = compose_variables(text)
    assert used, "compose uses no variables?"
    missing = sorted(used - set(example))
    assert not missing, ".env.example lacks {}".format(missing)
    stale = sorted(set(example) - used)
    assert not stale, ".env.example sets {} which compose never uses".format(stale)


def test_env_example_holds_no_real_secret_and_says_how_to_make_one():
    content = ENV_EXAMPLE.read_text(encoding="utf-8")
    example = read_env_file(ENV_EXAMPLE)
    secrets = [k for k in example if SECRET_NAME.search(k)]
    assert "PII_ENCRYPTION_KEY" in secrets and len(secrets) >= 15
    for key in secrets:
        assert example[key] == "", "{} must be empty in .env.example".format(key)
    assert "Fernet.generate_key()" in content and "openssl rand" in content
    # the generation command documented for the PII key makes a key carekit accepts
    command = re.search(r"#\s+(python3 -c '[^']+')", content).group(1)
    key = subprocess.run([sys.executable] + shlex.split(command)[1:], check=True,
                         capture_output=True, text=True).stdout.strip()
    from carekit.config import load_settings
    assert load_settings("registry", {"CARE_ENV": "production", "PII_ENCRYPTION_KEY": key,
                                      "PII_HASH_KEY": "h" * 64, "PUBLIC_STREAM_KEY": "k" * 64,
                                      "AMQP_URI": "amqp://care-registry:s3cret@rabbitmq/care"}
                         )["PII_ENCRYPTION_KEY"] == key
